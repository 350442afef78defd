import * as vscode from 'vscode';
import type { EngineEvent } from '#shared/protocol/engine';
import type { EventParams, JobExit, JobKind, JobStarted } from '#shared/protocol/lsp';
import type { DashboardPort } from '../dashboardPort';
import type { RunOverlay } from './runOverlay';
import {
  applyEvent,
  exitReport,
  fractionDone,
  newJob,
  progressMessage,
  statusText,
  statusTooltip,
  type JobProgress,
} from '#shared/jobs/jobProgress';
import { eventLines } from '#shared/jobs/eventLines';
import type { RunsApi } from './runsApi';

const VERBS: Record<JobKind, string> = {
  train: 'Training',
  search: 'Searching',
  export: 'Exporting',
  rank: 'Checking the ranking of',
  finetune: 'Fine-tuning',
  profile: 'Profiling',
};

/** Steps can come many times a second; the editor's UI is redrawn at most this often. */
const UI_INTERVAL_MS = 250;

interface JobUi {
  report?: (value: { message?: string; increment?: number }) => void;
  reportedPercent: number;
  endProgress?: () => void;
  waiters: ((p: JobProgress) => void)[];
}

/**
 * Follows the jobs of the run manager through `supernet/event`: the status bar item, one
 * cancellable progress notification per job, the "Supernet" output channel, live events
 * for the dashboards, and what the Runs tree shows for runs with a job of this session.
 */
export class JobMonitor implements vscode.Disposable {
  private readonly jobs = new Map<string, JobProgress>();
  private readonly ui = new Map<string, JobUi>();
  private readonly overlays = new Map<string, RunOverlay>();
  private readonly pending = new Map<string, EngineEvent[]>();
  private readonly statusItem: vscode.StatusBarItem;
  private lastUpdated: string | undefined;
  private running = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** A job started, reported or ended: the tree refreshes (throttled on its side). */
  readonly onDidChange = this.changed.event;
  private readonly progressed = new vscode.EventEmitter<string[]>();
  /** Runs whose live progress changed (the tree redraws just their items). */
  readonly onDidProgress = this.progressed.event;

  constructor(
    private readonly api: RunsApi,
    private readonly dashboard: DashboardPort,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.statusItem = vscode.window.createStatusBarItem(
      'supernet.activeRun',
      vscode.StatusBarAlignment.Left,
      10,
    );
    this.statusItem.name = 'Supernet run';
  }

  /** A job the client just started; `title` names it in the notification and messages. */
  track(started: JobStarted, title: string): void {
    const known = this.jobs.get(started.jobId);
    this.jobs.set(started.jobId, {
      ...(known ?? newJob(started.jobId, started.kind, title)),
      title,
    });
    this.startProgress(started.jobId);
    this.lastUpdated = started.jobId;
    this.scheduleFlush();
    this.changed.fire();
  }

  /** Resolves with the job's final state once its process has exited. */
  whenDone(jobId: string): Promise<JobProgress> {
    const p = this.jobs.get(jobId);
    if (p?.exit) return Promise.resolve(p);
    return new Promise((resolve) => this.uiOf(jobId).waiters.push(resolve));
  }

  /** Every job this window has seen, running or ended. */
  all(): JobProgress[] {
    return [...this.jobs.values()];
  }

  /** Jobs still running, most recently reported first. */
  active(): JobProgress[] {
    const list = [...this.jobs.values()].filter((p) => !p.exit);
    return list.sort((a, b) => (b.lastTime ?? 0) - (a.lastTime ?? 0));
  }

  overlay(runId: string): RunOverlay | undefined {
    return this.overlays.get(runId);
  }

  handle(n: EventParams): void {
    const known = this.jobs.get(n.jobId);
    const p = applyEvent(known ?? newJob(n.jobId, n.kind, n.runId ?? n.jobId), n);
    this.jobs.set(n.jobId, p);
    // A job started elsewhere (another command, a server restart) still gets its notification.
    if (!known) this.startProgress(n.jobId);
    this.lastUpdated = n.jobId;
    if (n.event) this.onEngineEvent(p, n.event);
    if (n.exit) this.onExit(p, n.exit);
    else this.scheduleFlush();
  }

  /** The server owns the engine processes: when it stops, its jobs end with it. */
  serverStopped(): void {
    for (const p of this.active())
      this.handle({
        jobId: p.jobId,
        kind: p.kind,
        exit: {
          status: 'failed',
          exitCode: null,
          signal: null,
          message: 'the Supernet language server stopped',
          stderrTail: [],
        },
      });
  }

  /** The run folder of a run this session has a job for. */
  runDirOf(runId: string): string | undefined {
    return [...this.jobs.values()].find((p) => p.runId === runId && p.runDir)?.runDir;
  }

  async cancel(jobId: string): Promise<void> {
    this.log.info(`stopping job ${jobId}`);
    await this.api.cancel({ jobId });
  }

  private onEngineEvent(p: JobProgress, e: EngineEvent): void {
    for (const line of eventLines(p, e))
      this.log[line.level === 'warning' ? 'warn' : line.level](line.text);
    if (p.runId) {
      const batch = this.pending.get(p.runId) ?? [];
      batch.push(e);
      this.pending.set(p.runId, batch);
      if (
        e.type === 'run-start' ||
        e.type === 'search-start' ||
        e.type === 'rank-start' ||
        e.type === 'finetune-start'
      ) {
        this.setOverlay(p);
        this.changed.fire();
      }
    }
    if (
      e.type === 'candidate' ||
      e.type === 'generation' ||
      e.type === 'search-end' ||
      e.type === 'ranked' ||
      e.type === 'finetune-end' ||
      // An epoch's ranking may change the warning on the run's line.
      e.type === 'ranking'
    )
      this.changed.fire();
  }

  private onExit(p: JobProgress, exit: JobExit): void {
    const report = exitReport(p, exit);
    if (report.level === 'error') {
      this.log.error(report.message);
      for (const l of exit.stderrTail) this.log.error(`  ${l}`);
      void vscode.window
        .showErrorMessage(`Supernet: ${report.message}`, 'Show Output')
        .then((choice) => (choice ? this.log.show(true) : undefined));
    } else {
      this.log.info(report.message);
      if (report.level === 'warning')
        void vscode.window.showWarningMessage(`Supernet: ${report.message}`);
      else if (p.kind !== 'export')
        void vscode.window.showInformationMessage(`Supernet: ${report.message}`);
    }
    this.setOverlay(p);
    this.flush();
    const ui = this.ui.get(p.jobId);
    ui?.endProgress?.();
    for (const w of ui?.waiters ?? []) w(p);
    this.ui.delete(p.jobId);
    this.changed.fire();
  }

  /** What the tree shows for the run: a train job sets its status, others add a note. */
  private setOverlay(p: JobProgress): void {
    if (!p.runId) return;
    const o = { ...this.overlays.get(p.runId) };
    const status = p.exit?.status;
    if (p.kind === 'train') {
      o.status = status ?? 'running';
      if (p.step !== undefined) o.step = p.step;
      if (p.totalSteps !== undefined) o.totalSteps = p.totalSteps;
    } else if (p.kind === 'search')
      o.note =
        status === undefined
          ? 'searching…'
          : status === 'completed'
            ? undefined
            : `search ${status}`;
    else if (p.kind === 'rank')
      o.note =
        status === undefined
          ? 'checking ranking…'
          : status === 'completed'
            ? p.kendallTau !== undefined
              ? `τ ${p.kendallTau.toFixed(2)}`
              : undefined
            : `ranking ${status}`;
    else if (p.kind === 'finetune')
      o.note =
        status === undefined
          ? `fine-tuning ${p.finetune?.key ?? p.title}…`
          : status === 'completed'
            ? undefined
            : `fine-tune ${status}`;
    else if (status === 'failed') o.note = 'export failed';
    this.overlays.set(p.runId, o);
  }

  private uiOf(jobId: string): JobUi {
    let ui = this.ui.get(jobId);
    if (!ui) {
      ui = { reportedPercent: 0, waiters: [] };
      this.ui.set(jobId, ui);
    }
    return ui;
  }

  private startProgress(jobId: string): void {
    const ui = this.uiOf(jobId);
    if (ui.endProgress) return;
    const p = this.jobs.get(jobId);
    if (!p || p.exit) return;
    const verb = VERBS[p.kind];
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Supernet: ${verb} ${p.title}`,
        cancellable: true,
      },
      (progress, token) =>
        new Promise<void>((resolve) => {
          ui.report = (v) => progress.report(v);
          ui.endProgress = resolve;
          token.onCancellationRequested(() => {
            progress.report({ message: 'stopping after the current step…' });
            this.cancel(jobId).catch((err: unknown) =>
              this.log.error(`could not stop job ${jobId}: ${String(err)}`),
            );
          });
        }),
    );
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), UI_INTERVAL_MS);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const [runId, events] of this.pending) this.dashboard.pushEvents(runId, events);
    this.pending.clear();
    const progressed: string[] = [];
    for (const p of this.active()) {
      if (p.kind === 'train' && p.runId) {
        // The Runs tree shows the step the status bar shows, from the same event.
        this.setOverlay(p);
        progressed.push(p.runId);
      }
      const ui = this.ui.get(p.jobId);
      if (!ui?.report) continue;
      const percent = Math.floor(100 * (fractionDone(p) ?? 0));
      ui.report({
        message: progressMessage(p),
        increment: Math.max(0, percent - ui.reportedPercent),
      });
      ui.reportedPercent = Math.max(ui.reportedPercent, percent);
    }
    this.updateStatusBar();
    if (progressed.length) this.progressed.fire(progressed);
  }

  private updateStatusBar(): void {
    const last = this.lastUpdated ? this.jobs.get(this.lastUpdated) : undefined;
    const p = last && !last.exit ? last : this.active()[0];
    if (this.running !== (p !== undefined)) {
      this.running = p !== undefined;
      // Shows the Stop button on the Runs view's title.
      void vscode.commands.executeCommand('setContext', 'supernet.jobRunning', this.running);
    }
    if (!p) {
      this.statusItem.hide();
      return;
    }
    this.statusItem.text = statusText(p);
    this.statusItem.tooltip = statusTooltip(p);
    this.statusItem.command = p.runId
      ? { title: 'Open Dashboard', command: 'supernet.openDashboard', arguments: [p.runId] }
      : undefined;
    this.statusItem.show();
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const ui of this.ui.values()) ui.endProgress?.();
    this.statusItem.dispose();
    this.changed.dispose();
    this.progressed.dispose();
  }
}
