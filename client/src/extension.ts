import * as vscode from 'vscode';
import {
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { commands } from './commands';
import { runContextKeys } from './contextKeys';
import { createDashboardPanelPort } from './dashboard/dashboardPanel';
import { JobMonitor } from './runs/jobMonitor';
import { RunsApi } from './runs/runsApi';
import { runsDirFor } from './settings';
import { RUN_FILES, RUNS_WATCH_GLOB } from '#shared/runFolder/layout';
import type { RunSummary } from '#shared/runFolder/summarise';
import type { JobProgress } from './runs/jobProgress';
import { RunTreeProvider, type RunNode, type RunSource } from './tree/runTreeProvider';
import type { RunSubnets } from './tree/runFiles';

let client: LanguageClient | undefined;

function createClient(context: vscode.ExtensionContext): LanguageClient {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6019'] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: 'supernet', scheme: 'file' },
      { language: 'supernet', scheme: 'untitled' },
    ],
    synchronize: { configurationSection: 'supernet' },
    outputChannelName: 'Supernet Language Server',
  };
  return new LanguageClient('supernet', 'Supernet Language Server', serverOptions, clientOptions);
}

/** Every workspace folder's runs folder, once each. */
const allRunsDirs = (): string[] => [
  ...new Set(
    (vscode.workspace.workspaceFolders ?? [])
      .map((f) => runsDirFor(f.uri))
      .filter((d): d is string => d !== undefined),
  ),
];

/**
 * What `activate` returns (`vscode.extensions.getExtension(...).exports`): read-only views
 * of the runs and jobs, for tests and for other extensions that build on runs.
 */
export interface SupernetExtensionApi {
  runs(): Promise<RunSummary[]>;
  subnets(runId: string): Promise<RunSubnets | undefined>;
  jobs(): JobProgress[];
  whenDone(jobId: string): Promise<JobProgress>;
  /** Shows a subnet's node in the Runs tree (as a click on its Pareto point does). */
  reveal(runId: string, key: string): Promise<boolean>;
  /** A subnet's node in the Runs tree: what its context menu's commands receive. */
  subnetNode(runId: string, key: string): Promise<RunNode | undefined>;
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

/** Runs written outside this window (the CLI, another window) show up in the tree too. */
function watchRunsFolders(context: vscode.ExtensionContext, tree: RunTreeProvider): void {
  // rank.json too: a ranking check of the CLI changes what the tree says of the run.
  const globs = [RUNS_WATCH_GLOB, `*/${RUN_FILES.rank}`];
  for (const [dir, glob] of allRunsDirs().flatMap((d) => globs.map((g) => [d, g] as const))) {
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(dir), glob),
    );
    const onChange = (): void => tree.requestRefresh();
    context.subscriptions.push(
      watcher,
      watcher.onDidCreate(onChange),
      watcher.onDidChange(onChange),
      watcher.onDidDelete(onChange),
    );
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<SupernetExtensionApi> {
  const log = vscode.window.createOutputChannel('Supernet', { log: true });
  const lc = createClient(context);
  client = lc;
  const api = new RunsApi(() => client, log);
  const dashboard = createDashboardPanelPort(context, log);
  const monitor = new JobMonitor(api, dashboard, log);

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
  const treeView = vscode.window.createTreeView<RunNode>('supernet.runs', {
    treeDataProvider: tree,
    showCollapseAll: true,
  });

  context.subscriptions.push(
    log,
    dashboard,
    monitor,
    tree,
    treeView,
    monitor.onDidChange(() => tree.requestRefresh()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => tree.refresh()),
    monitor.onDidProgress((runIds) => tree.refreshRuns(runIds)),
    treeView.onDidChangeSelection((e) => {
      const node = e.selection[0];
      if (node?.type === 'subnet') dashboard.highlight(node.run.id, node.row.key);
    }),
    dashboard.onReveal((runId, key) => {
      void tree
        .findSubnet(runId, key)
        .then((node) =>
          node ? treeView.reveal(node, { select: true, focus: false, expand: true }) : undefined,
        );
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('supernet.runsFolder')) tree.refresh();
    }),
    api.onEvent(lc, (n) => monitor.handle(n)),
    lc.onDidChangeState((e) => {
      if (e.newState === State.Stopped) monitor.serverStopped();
    }),
  );
  watchRunsFolders(context, tree);

  for (const [id, fn] of Object.entries(
    commands({ api, monitor, tree, dashboard, extensionUri: context.extensionUri }),
  )) {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  }
  // The walkthrough's first step ticks off once the workspace has a config.
  void vscode.workspace
    .findFiles('**/*.supernet.{yaml,yml}', '**/node_modules/**', 1)
    .then((found) =>
      vscode.commands.executeCommand('setContext', 'supernet.hasConfig', found.length > 0),
    );
  await lc.start();
  // The server could not list runs while it was starting: ask again now that it can.
  tree.refresh();
  return {
    runs: () => {
      // A fresh read: the tree's list may be up to one refresh interval old.
      tree.refresh();
      return tree.allRuns();
    },
    async subnets(runId) {
      const run = (await tree.allRuns()).find((r) => r.id === runId);
      return run ? tree.runSubnets(run) : undefined;
    },
    jobs: () => monitor.all(),
    whenDone: (jobId) => monitor.whenDone(jobId),
    async reveal(runId, key) {
      const node = await tree.findSubnet(runId, key);
      if (!node) return false;
      await treeView.reveal(node, { select: true, focus: true, expand: true });
      return true;
    },
    subnetNode: (runId, key) => tree.findSubnet(runId, key),
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
