import * as vscode from 'vscode';
import type { RunSummary } from '#shared/runFolder/runSummary';
import { runContextKeys } from '../contextKeys';
import type { JobMonitor } from '../runs/jobMonitor';
import type { RunsApi } from '../runs/runsApi';
import { runsDirFor } from '../settings';
import { RunTreeProvider, type RunNode, type RunSource } from './runTreeProvider';

/** The Runs view: its data provider and the tree view that shows it. */
export interface RunTree {
  tree: RunTreeProvider;
  view: vscode.TreeView<RunNode>;
}

/** Every workspace folder's runs folder, once each. */
export const allRunsDirs = (): string[] => [
  ...new Set(
    (vscode.workspace.workspaceFolders ?? [])
      .map((f) => runsDirFor(f.uri))
      .filter((d): d is string => d !== undefined),
  ),
];

export function createRunTree(
  context: vscode.ExtensionContext,
  api: RunsApi,
  monitor: JobMonitor,
): RunTree {
  const source: RunSource = {
    runsDirs: allRunsDirs,
    overlay: (runId) => monitor.overlay(runId),
    trusted: () => vscode.workspace.isTrusted,
    async listRuns() {
      try {
        const lists = await Promise.all(allRunsDirs().map((d) => api.runs(d)));
        return lists.flatMap((l) => l.runs);
      } catch {
        // The server is starting, stopped, or predates `supernet/runs`: read the folders.
        return undefined;
      }
    },
  };
  const tree = new RunTreeProvider(source, context.workspaceState, contextKeyUpdater());
  const view = vscode.window.createTreeView<RunNode>('supernet.runs', {
    treeDataProvider: tree,
    showCollapseAll: true,
  });
  return { tree, view };
}

/** Sets the commands' context keys from each list of runs, telling VS Code only of changes. */
function contextKeyUpdater(): (runs: RunSummary[]) => void {
  const keys = new Map<string, boolean>();
  return (runs) => {
    for (const [key, value] of Object.entries(runContextKeys(runs))) {
      if (keys.get(key) === value) continue;
      keys.set(key, value);
      void vscode.commands.executeCommand('setContext', key, value);
    }
  };
}
