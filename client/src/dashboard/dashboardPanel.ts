import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineEvent } from '#shared/protocol/engine';
import type { DashboardPort } from '../dashboardPort';
import { dashboardHtml } from './dashboardHtml';
import {
  parsePanelState,
  parseWebviewMessage,
  type DashboardRun,
  type DashboardTab,
  type HostMessage,
  type PanelState,
} from '#shared/dashboard/webview';
import { readRunFolder } from './runFolderReader';

export interface DashboardShowOptions {
  /** The run's id as the job monitor names it; defaults to the folder's name. */
  runId?: string;
  /** A subnet to mark in the Pareto chart. */
  focusKey?: string;
  /** The tab to show. */
  tab?: DashboardTab;
}

/**
 * One webview panel showing one run (or several overlaid, in compare mode). The page
 * asks for its data with `ready`; the panel then reads the run folders and sends `init`,
 * so a reloaded page or window draws the same charts. Live events that arrive before
 * that wait in a queue; the model tolerates seeing an event twice.
 */
export class DashboardPanel {
  static readonly viewType = 'supernet.dashboard';

  private static readonly open = new Map<string, DashboardPanel>();
  private static readonly revealed = new vscode.EventEmitter<{ runId: string; key: string }>();
  private static log: vscode.OutputChannel | undefined;

  /** Registers the serializer that brings panels back after a reload. Call once on activation. */
  static register(context: vscode.ExtensionContext, log: vscode.OutputChannel): vscode.Disposable {
    DashboardPanel.log = log;
    return vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const restored = parsePanelState(state);
        if (!restored) {
          DashboardPanel.log?.appendLine('Dashboard: cannot restore a panel without its runs.');
          panel.dispose();
          return;
        }
        panel.webview.options = webviewOptions(context);
        DashboardPanel.adopt(panel, context, restored, {});
      },
    });
  }

  /** Opens the dashboard of a run, or brings its open panel forward. */
  static async show(
    context: vscode.ExtensionContext,
    runDir: string,
    opts: DashboardShowOptions = {},
  ): Promise<void> {
    const state: PanelState = { mode: 'run', runDirs: [runDir] };
    const existing = DashboardPanel.open.get(panelKey(state));
    if (existing) {
      existing.panel.reveal();
      if (opts.focusKey) existing.highlight(opts.focusKey);
      if (opts.tab) existing.showTab(opts.tab);
      return;
    }
    const title = `Supernet: ${opts.runId ?? path.basename(runDir)}`;
    DashboardPanel.adopt(createPanel(context, title), context, state, opts);
  }

  /** Opens one panel overlaying the loss and accuracy curves of several runs. */
  static async compare(context: vscode.ExtensionContext, runDirs: string[]): Promise<void> {
    if (runDirs.length === 0) return;
    const state: PanelState = { mode: 'compare', runDirs: runDirs.slice() };
    const existing = DashboardPanel.open.get(panelKey(state));
    if (existing) return existing.panel.reveal();
    const title = `Supernet: compare ${runDirs.length} runs`;
    DashboardPanel.adopt(createPanel(context, title), context, state, {});
  }

  /** Live events of a run, for every open panel that shows it. */
  static pushEvents(runId: string, events: EngineEvent[]): void {
    if (events.length === 0) return;
    for (const p of DashboardPanel.open.values()) if (p.runIds.has(runId)) p.push(runId, events);
  }

  /** Marks a subnet in the Pareto chart of the run's panel, when one is open. */
  static highlight(runId: string, key: string): void {
    for (const p of DashboardPanel.open.values())
      if (p.state.mode === 'run' && p.runIds.has(runId)) p.highlight(key);
  }

  /** A click on a Pareto point. */
  static onReveal(handler: (runId: string, key: string) => void): vscode.Disposable {
    return DashboardPanel.revealed.event(({ runId, key }) => handler(runId, key));
  }

  private static adopt(
    panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    state: PanelState,
    opts: DashboardShowOptions,
  ): void {
    const p = new DashboardPanel(panel, context, state, opts);
    DashboardPanel.open.set(panelKey(state), p);
  }

  private readonly runIds: Set<string>;
  private readonly disposables: vscode.Disposable[] = [];
  /** Events pushed before the page got `init`; replayed right after it. */
  private queue: { runId: string; events: EngineEvent[] }[] | undefined = [];
  private focusKey: string | undefined;
  private tab: DashboardTab | undefined;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly state: PanelState,
    opts: DashboardShowOptions,
  ) {
    this.focusKey = opts.focusKey;
    this.tab = opts.tab;
    this.runIds = new Set(
      state.runDirs.map((d, i) => (i === 0 && opts.runId ? opts.runId : path.basename(d))),
    );
    panel.webview.html = this.html();
    panel.webview.onDidReceiveMessage((m) => this.receive(m), undefined, this.disposables);
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
  }

  private html(): string {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'dist');
    return dashboardHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'dashboard.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'dashboard.css')).toString(),
      nonce: randomBytes(16).toString('base64url'),
      title: this.panel.title,
    });
  }

  private receive(raw: unknown): void {
    const m = parseWebviewMessage(raw);
    if ('error' in m) {
      DashboardPanel.log?.appendLine(`Dashboard: dropped a message from the webview: ${m.error}`);
      return;
    }
    switch (m.type) {
      case 'ready':
        void this.load();
        break;
      case 'reveal':
        DashboardPanel.revealed.fire({ runId: m.runId, key: m.key });
        break;
      case 'finetune':
        // The same commands as the Runs tree's context menu, with the subnet named.
        void vscode.commands.executeCommand(
          m.int8 ? 'supernet.finetuneAndExportInt8' : 'supernet.finetuneSubnet',
          { runId: m.runId, key: m.key },
        );
        break;
      case 'error':
        DashboardPanel.log?.appendLine(`Dashboard: ${m.message}`);
        break;
    }
  }

  /** Reads the run folders and sends the page everything to draw. */
  private async load(): Promise<void> {
    // A page that reloads asks again: queue live events until it has its data.
    this.queue ??= [];
    try {
      const runs: DashboardRun[] = await Promise.all(
        this.state.runDirs.map(async (runDir) => {
          const { model, skippedLines } = await readRunFolder(runDir);
          if (skippedLines > 0)
            DashboardPanel.log?.appendLine(
              `Dashboard: skipped ${skippedLines} unreadable line(s) in ${runDir}.`,
            );
          this.runIds.add(model.runId);
          return { runId: model.runId, runDir, label: model.runId, model };
        }),
      );
      const smoothing = vscode.workspace
        .getConfiguration('supernet')
        .get<number>('chartSmoothing', 0.6);
      await this.post({
        type: 'init',
        mode: this.state.mode,
        runs,
        smoothing,
        ...(this.focusKey ? { focusKey: this.focusKey } : {}),
        ...(this.tab ? { tab: this.tab } : {}),
      });
      const queued = this.queue ?? [];
      this.queue = undefined;
      for (const q of queued) await this.post({ type: 'events', ...q });
    } catch (e) {
      DashboardPanel.log?.appendLine(
        `Dashboard: cannot read ${this.state.runDirs.join(', ')}: ${e}`,
      );
    }
  }

  private push(runId: string, events: EngineEvent[]): void {
    if (this.queue) this.queue.push({ runId, events });
    else void this.post({ type: 'events', runId, events });
  }

  private highlight(key: string): void {
    this.focusKey = key;
    if (!this.queue) void this.post({ type: 'highlight', key });
  }

  private showTab(tab: DashboardTab): void {
    this.tab = tab;
    if (!this.queue) void this.post({ type: 'showTab', tab });
  }

  private async post(message: HostMessage): Promise<void> {
    // A disposed panel throws; its messages have nowhere to go anyway.
    await Promise.resolve(this.panel.webview.postMessage(message)).catch(() => false);
  }

  private dispose(): void {
    DashboardPanel.open.delete(panelKey(this.state));
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function panelKey(state: PanelState): string {
  const dirs = state.runDirs.map((d) => path.resolve(d));
  return `${state.mode}:${(state.mode === 'compare' ? dirs.sort() : dirs).join('|')}`;
}

function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'media')],
  };
}

function createPanel(context: vscode.ExtensionContext, title: string): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(
    DashboardPanel.viewType,
    title,
    vscode.ViewColumn.Active,
    {
      ...webviewOptions(context),
      // Charts of 100k points are slow to rebuild; keep the page while its tab is hidden.
      retainContextWhenHidden: true,
    },
  );
}

/**
 * The dashboard as the rest of the client uses it (`DashboardPort`): register this in
 * `activate` in place of the placeholder port.
 */
export function createDashboardPanelPort(
  context: vscode.ExtensionContext,
  log: vscode.OutputChannel,
): DashboardPort & vscode.Disposable {
  const registration = DashboardPanel.register(context, log);
  return {
    show: async (runDir, opts) => {
      await DashboardPanel.show(context, runDir, opts);
      // The walkthrough's "Watch it learn" step ticks off on it.
      void vscode.commands.executeCommand('setContext', 'supernet.dashboardOpened', true);
    },
    pushEvents: (runId, events) => DashboardPanel.pushEvents(runId, events),
    highlight: (runId, key) => DashboardPanel.highlight(runId, key),
    compare: (runDirs) => DashboardPanel.compare(context, runDirs),
    onReveal: (handler) => DashboardPanel.onReveal(handler),
    dispose: () => registration.dispose(),
  };
}
