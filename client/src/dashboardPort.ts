import * as vscode from 'vscode';
import type { EngineEvent } from '#shared/protocol/engine';
import type { DashboardTab } from '#shared/dashboard/webview';

/**
 * What the commands, the tree and the job monitor need from the dashboard webviews.
 * The panels live in `client/src/dashboard/` (createDashboardPanelPort builds this port
 * in `activate`), so the rest of the client never imports a panel.
 */
export interface DashboardPort {
  /** Opens (or focuses) the dashboard of a run. */
  show(
    runDir: string,
    opts: { runId: string; focusKey?: string; tab?: DashboardTab },
  ): Promise<void>;
  /** Live events of a run, in batches, for an open dashboard to append. */
  pushEvents(runId: string, events: EngineEvent[]): void;
  /** Marks a subnet's point in the run's Pareto chart. */
  highlight(runId: string, key: string): void;
  /** Opens a dashboard overlaying the charts of several runs. */
  compare(runDirs: string[]): Promise<void>;
  /** A click on a Pareto point: the tree reveals that subnet. */
  onReveal(handler: (runId: string, key: string) => void): vscode.Disposable;
}
