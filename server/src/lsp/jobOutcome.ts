import type { EngineEvent } from '#shared/protocol/engine';
import type { JobExit, JobKind } from '#shared/protocol/lsp';

/** How the engine process ended, as `child_process` reports it. */
export interface ProcessEnd {
  exitCode: number | null;
  signal: string | null;
  stderrTail: string[];
  /** The job was cancelled, but the engine did not stop in time and was killed. */
  killedAfterCancel?: boolean;
}

/**
 * Decides how a job ended from the events its engine sent and how the process exited.
 * The end event says what the engine meant; the exit says whether it got to say it.
 */
export class JobOutcome {
  private end?: { status: JobExit['status']; message?: string };
  private lastError?: string;

  constructor(private readonly kind: JobKind) {}

  /** Whether the job's end event has arrived. */
  get ended(): boolean {
    return this.end !== undefined;
  }

  observe(e: EngineEvent): void {
    if (e.type === 'log' && e.level === 'error') this.lastError = e.message;
    else if (this.kind === 'train' && e.type === 'run-start') this.end = undefined;
    else if (this.kind === 'train' && e.type === 'run-end')
      this.end = { status: e.status, ...(e.message ? { message: e.message } : {}) };
    else if (this.kind === 'search' && e.type === 'search-end')
      this.end = { status: e.status, ...(e.message ? { message: e.message } : {}) };
    else if (this.kind === 'export' && e.type === 'export') this.end = { status: 'completed' };
    else if (this.kind === 'rank' && e.type === 'rank-end')
      this.end = { status: e.status, ...(e.message ? { message: e.message } : {}) };
    else if (this.kind === 'finetune' && e.type === 'finetune-end')
      this.end = { status: e.status, ...(e.message ? { message: e.message } : {}) };
  }

  exit(p: ProcessEnd): JobExit {
    const base = { exitCode: p.exitCode, signal: p.signal, stderrTail: p.stderrTail };
    if (p.killedAfterCancel) {
      const message = 'the engine did not stop after the cancel and was killed';
      return { status: 'cancelled', ...base, message };
    }
    const how = p.signal ? `killed by ${p.signal}` : `exit code ${p.exitCode}`;
    if (this.end && p.exitCode === 0 && !p.signal) {
      const { status, message } = this.end;
      return { status, ...base, ...(message ? { message } : {}) };
    }
    // The engine reports its own failures (an end event, or an error log for an export) and
    // exits 1: that message is the one to show, the exit code only backs it up.
    const said = this.end?.status === 'failed' ? this.end.message : this.lastError;
    const message = said
      ? `${said} (engine ${how})`
      : `the engine stopped unexpectedly (${how})${this.end ? '' : ' before the job ended'}`;
    return { status: 'failed', ...base, message };
  }
}
