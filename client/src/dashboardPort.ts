import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineEvent } from '../../server/src/protocol/engine';

/**
 * What the commands, the tree and the job monitor need from the dashboard webviews.
 * The panels live in `client/src/dashboard/`; this port is the one place that connects
 * them, so the rest of the client never imports a panel.
 */
export interface DashboardPort {
  /** Opens (or focuses) the dashboard of a run. */
  show(runDir: string, opts: { runId: string; focusKey?: string }): Promise<void>;
  /** Live events of a run, in batches, for an open dashboard to append. */
  pushEvents(runId: string, events: EngineEvent[]): void;
  /** Marks a subnet's point in the run's Pareto chart. */
  highlight(runId: string, key: string): void;
  /** Opens a dashboard overlaying the charts of several runs. */
  compare(runDirs: string[]): Promise<void>;
  /** A click on a Pareto point: the tree reveals that subnet. */
  onReveal(handler: (runId: string, key: string) => void): vscode.Disposable;
}

/**
 * Until the dashboard panels are wired in, `show` opens the run's raw files so the
 * commands still lead somewhere, and the live calls do nothing.
 */
class RunFilesDashboard implements DashboardPort {
  async show(runDir: string): Promise<void> {
    const pareto = vscode.Uri.file(path.join(runDir, 'pareto.json'));
    const events = vscode.Uri.file(path.join(runDir, 'events.jsonl'));
    for (const uri of [pareto, events]) {
      try {
        await vscode.workspace.fs.stat(uri);
        await vscode.window.showTextDocument(uri, { preview: true });
        return;
      } catch {
        // Not written yet: try the next file.
      }
    }
    void vscode.window.showInformationMessage(`Supernet: ${runDir} has no events yet.`);
  }

  pushEvents(): void {}

  highlight(): void {}

  async compare(runDirs: string[]): Promise<void> {
    await vscode.window.showInformationMessage(
      `Supernet: comparing ${runDirs.length} runs needs the dashboard, which this build does not include yet.`,
    );
  }

  onReveal(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }
}

export function createDashboardPort(_context: vscode.ExtensionContext): DashboardPort {
  return new RunFilesDashboard();
}
