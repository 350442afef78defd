import type { EngineEvent, StartCommand } from '#shared/protocol/engine';
import { crashReport, runEngineJob } from './engineJob';
import { steadyEta, type Progress } from '#shared/format/eta';
import { formatDuration } from '#shared/format/units';
import { bar } from './progress';

export interface TrainCliOptions {
  configPath: string;
  runsDir: string;
  steps?: number;
  resume?: string;
  backend?: string;
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Rewrites the current terminal line (progress bar); undefined when not a terminal. */
  status?: (s: string) => void;
  /** The engine bundle; default dist/engine.js next to this bundle. */
  enginePath?: string;
}

/** Runs training in an engine process and shows its events; resolves to the exit code. */
export async function trainCli(o: TrainCliOptions): Promise<number> {
  const start: StartCommand = {
    type: 'start',
    configPath: o.configPath,
    runsDir: o.runsDir,
    ...(o.steps ? { steps: o.steps } : {}),
    ...(o.resume ? { resume: o.resume } : {}),
    ...(o.backend ? { backend: o.backend } : {}),
  };
  const view = new TrainView(o);
  let end: EngineEvent | undefined;
  const job = await runEngineJob(start, {
    ...(o.enginePath ? { enginePath: o.enginePath } : {}),
    err: o.err,
    interruptNote: 'stopping after this step and writing a checkpoint',
    onEvent: (e) => {
      if (e.type === 'run-end') end = e;
      view.show(e);
    },
  });
  view.close();
  if (typeof job === 'string') {
    o.err(`supernet train: ${job}`);
    return 2;
  }
  if (!end || end.type !== 'run-end') {
    for (const l of crashReport('train', job)) o.err(l);
    return 1;
  }
  return end.status === 'completed' ? 0 : end.status === 'cancelled' ? 130 : 1;
}

/** Turns engine events into terminal output: a progress bar, or JSON lines. */
class TrainView {
  private totalSteps = 0;
  private runId = '';
  private last: { step: number; loss: number; ips: number } | undefined;
  private acc = '';
  /** This job's first step: the rate counts from it (not a resumed run's earlier steps, not the warm-up). */
  private firstStep: Progress | undefined;
  private lastPrinted = 0;

  constructor(private readonly o: TrainCliOptions) {}

  show(e: EngineEvent): void {
    if (this.o.json) {
      this.o.out(JSON.stringify(e));
      return;
    }
    switch (e.type) {
      case 'run-start':
        this.totalSteps = e.totalSteps;
        this.runId = e.runId;
        this.firstStep = undefined;
        this.o.err(
          `${e.resumedFromStep !== undefined ? 'resuming' : 'training'} run ${e.runId} on ${e.backend}: ` +
            `${e.dataset.name} (${e.dataset.source}, ${e.dataset.train} train / ${e.dataset.validation} validation), ` +
            `${e.totalSteps} steps of ${e.batchSize}${e.resumedFromStep !== undefined ? `, from step ${e.resumedFromStep}` : ''}`,
        );
        this.o.err(`  run folder: ${e.runDir}`);
        break;
      case 'log':
        this.line(`${e.level === 'info' ? '' : e.level + ': '}${e.message}`);
        break;
      case 'step':
        this.last = { step: e.step, loss: e.losses[0]?.loss ?? NaN, ips: e.imagesPerSec };
        this.firstStep ??= { done: e.step, time: Date.now() };
        this.progress();
        break;
      case 'epoch':
        this.acc = `acc ${(100 * e.largest.accuracy).toFixed(1)}%/${(100 * e.smallest.accuracy).toFixed(1)}%`;
        this.line(
          `epoch ${e.epoch}: inherited validation accuracy (BN recalibrated) largest ${(100 * e.largest.accuracy).toFixed(2)}% · smallest ${(100 * e.smallest.accuracy).toFixed(2)}% (${e.seconds.toFixed(1)} s)`,
        );
        break;
      case 'run-end':
        if (!this.runId) this.line(`supernet train: ${e.status}: ${e.message ?? ''}`);
        else
          this.line(
            `run ${this.runId} ${e.status} at step ${e.step} after ${formatDuration(e.seconds)}${e.message ? `: ${e.message}` : ''}`,
          );
        break;
      default:
        break;
    }
  }

  private progress(): void {
    if (!this.last) return;
    const { step, loss, ips } = this.last;
    const eta = steadyEta(this.firstStep, { done: step, time: Date.now() }, this.totalSteps);
    const text = `${bar(step / this.totalSteps)} ${step}/${this.totalSteps} loss ${loss.toFixed(3)} ${this.acc} ${Math.round(ips)} img/s ETA ${eta === undefined ? 'estimating…' : formatDuration(eta)}`;
    if (this.o.status) this.o.status(text);
    else if (Date.now() - this.lastPrinted > 10_000 || step === this.totalSteps) {
      this.lastPrinted = Date.now();
      this.o.err(text);
    }
  }

  private line(s: string): void {
    if (!this.o.status) return this.o.err(s);
    // A terminal: the line goes above the progress bar, which is drawn again below it.
    this.o.status('');
    this.o.err(s);
    this.progress();
  }

  close(): void {
    if (this.o.status) this.o.status('');
  }
}
