import type { EngineCommand } from '#shared/protocol/engine';
import type { EventParams, JobExit, JobKind } from '#shared/protocol/lsp';
import { EngineProcess, type EngineEnd } from '../driver/engineProcess';
import { JobOutcome } from './jobOutcome';

export interface EngineJobOptions {
  enginePath?: string;
  env: NodeJS.ProcessEnv;
  /** How long a cancelled engine may take to stop before it is killed. */
  cancelGraceMs: number;
  onEvent: (p: EventParams) => void;
  log: (message: string) => void;
}

/**
 * One job of the run manager in its own engine process: passes its events on as
 * `supernet/event` params and reports exactly one exit, however the process ends.
 */
export class EngineJob {
  private readonly engine: EngineProcess;
  private readonly outcome: JobOutcome;
  private killTimer?: NodeJS.Timeout;
  private killedAfterCancel = false;
  /** Resolves with the job's exit, once it has been reported. */
  readonly done: Promise<JobExit>;

  constructor(
    readonly id: string,
    readonly kind: JobKind,
    private readonly command: EngineCommand,
    /** The run as the request named it; replaced by the id the engine announces. */
    public runId: string | undefined,
    private readonly o: EngineJobOptions,
  ) {
    this.outcome = new JobOutcome(kind);
    this.engine = new EngineProcess({
      ...(o.enginePath ? { enginePath: o.enginePath } : {}),
      env: o.env,
      onEvent: (e) => {
        if (
          e.type === 'run-start' ||
          e.type === 'search-start' ||
          e.type === 'rank-start' ||
          e.type === 'finetune-start'
        )
          this.runId = e.runId;
        this.outcome.observe(e);
        this.emit({ event: e });
      },
      onLog: (line) => o.log(`engine ${id}: ${line}`),
    });
    this.done = this.engine.done.then((end) => this.finish(end));
  }

  get running(): boolean {
    return this.engine.running;
  }

  start(): void {
    this.engine.start(this.command);
  }

  /** Asks the engine to stop (it checkpoints first); kills it if it has not gone in time. */
  cancel(): boolean {
    if (!this.engine.running) return false;
    this.engine.cancel();
    this.killTimer ??= setTimeout(() => {
      if (!this.engine.running) return;
      this.killedAfterCancel = true;
      this.engine.kill();
    }, this.o.cancelGraceMs);
    return true;
  }

  /** Ends the process now, without waiting for a checkpoint. */
  kill(): void {
    this.engine.kill();
  }

  private finish(end: EngineEnd): JobExit {
    clearTimeout(this.killTimer);
    const exit: JobExit = end.startFailure
      ? {
          status: 'failed',
          exitCode: null,
          signal: null,
          message: end.startFailure,
          stderrTail: [],
        }
      : this.outcome.exit({
          exitCode: end.code,
          signal: end.signal,
          stderrTail: end.stderrTail,
          killedAfterCancel: this.killedAfterCancel,
        });
    this.emit({ exit });
    return exit;
  }

  private emit(p: Pick<EventParams, 'event' | 'exit'>): void {
    this.o.onEvent({
      jobId: this.id,
      kind: this.kind,
      ...(this.runId ? { runId: this.runId } : {}),
      ...p,
    });
  }
}
