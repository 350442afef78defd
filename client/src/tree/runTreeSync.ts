import * as vscode from 'vscode';
import { RUN_FILES, RUNS_WATCH_GLOB } from '#shared/runFolder/layout';
import type { Ctx } from '../ctx';
import { allRunsDirs } from './runTree';

/**
 * What keeps the Runs view current and tied to the dashboard: job progress and changes,
 * trust granted, the runs folder setting, files written outside this window, and the
 * selection shown on the Pareto chart (and a click there revealed in the tree).
 */
export function registerRunTree(ctx: Ctx): void {
  const { tree, view } = ctx.runs;
  ctx.push(
    ctx.monitor.onDidChange(() => tree.requestRefresh()),
    ctx.monitor.onDidProgress((runIds) => tree.refreshRuns(runIds)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => tree.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('supernet.runsFolder')) tree.refresh();
    }),
    view.onDidChangeSelection((e) => {
      const node = e.selection[0];
      if (node?.type === 'subnet') ctx.dashboard.highlight(node.run.id, node.row.key);
    }),
    ctx.dashboard.onReveal((runId, key) => {
      void tree
        .findSubnet(runId, key)
        .then((node) =>
          node ? view.reveal(node, { select: true, focus: false, expand: true }) : undefined,
        );
    }),
  );
  watchRunsFolders(ctx);
}

/** Runs written outside this window (the CLI, another window) show up in the tree too. */
function watchRunsFolders(ctx: Ctx): void {
  // rank.json too: a ranking check of the CLI changes what the tree says of the run.
  const globs = [RUNS_WATCH_GLOB, `*/${RUN_FILES.rank}`];
  const onChange = (): void => ctx.runs.tree.requestRefresh();
  for (const [dir, glob] of allRunsDirs().flatMap((d) => globs.map((g) => [d, g] as const))) {
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(dir), glob),
    );
    ctx.push(
      watcher,
      watcher.onDidCreate(onChange),
      watcher.onDidChange(onChange),
      watcher.onDidDelete(onChange),
    );
  }
}
