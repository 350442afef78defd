import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isEngineEvent, type EngineCommand } from '../protocol/engine';
import type { EventParams, JobExit, JobKind } from '../protocol/lsp';
import { JobOutcome, type ProcessEnd } from './jobOutcome';

const STDERR_LINES = 20;

export interface EngineJobOptions {
  enginePath: string;
  env: NodeJS.ProcessEnv;
  /** How long a cancelled engine may take to stop before it is killed. */
  cancelGraceMs: number;
  onEvent: (p: EventParams) => void;
  log: (message: string) => void;
}

/**
 * One job in its own engine process: sends the command, forwards the engine's events,
 * and reports exactly one exit however the process ends (or fails to start).
 */
export class EngineJob {
  private child?: ChildProcess;
  private readonly outcome: JobOutcome;
  private readonly stderrTail: string[] = [];
  private stderrPartial = '';
  private killTimer?: NodeJS.Timeout;
  private killedAfterCancel = false;
  private finished = false;
  private resolveDone!: (exit: JobExit) => void;
  /** Resolves with the job's exit, once it has been reported. */
  readonly done = new Promise<JobExit>((r) => (this.resolveDone = r));

  constructor(
    readonly id: string,
    readonly kind: JobKind,
    private readonly command: EngineCommand,
    /** The run as the request named it; replaced by the id the engine announces. */
    public runId: string | undefined,
    private readonly o: EngineJobOptions,
  ) {
    this.outcome = new JobOutcome(kind);
  }

  get running(): boolean {
    return !this.finished;
  }

  start(): void {
    if (!existsSync(this.o.enginePath)) {
      const message = `the engine bundle ${this.o.enginePath} is missing; run \`npm run build\``;
      // After the request's answer, so the client knows the job before it hears of its end.
      setImmediate(() => this.finish({ exitCode: null, signal: null, stderrTail: [] }, message));
      return;
    }
    let child: ChildProcess;
    try {
      child = fork(this.o.enginePath, [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: this.o.env,
      });
    } catch (e) {
      const message = `the engine could not be started: ${(e as Error).message}`;
      setImmediate(() => this.finish({ exitCode: null, signal: null, stderrTail: [] }, message));
      return;
    }
    this.child = child;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (s: string) => this.o.log(`engine ${this.id}: ${s.trimEnd()}`));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => this.collectStderr(s));
    child.on('message', (m: unknown) => this.onMessage(m));
    child.on('error', (e) => {
      // No pid: the process never started, and no exit will follow.
      if (child.pid === undefined)
        this.finish(this.processEnd(null, null), `the engine could not be started: ${e.message}`);
      else this.o.log(`engine ${this.id}: ${e.message}`);
    });
    // 'close' comes after the pipes are drained, so the stderr tail is complete; 'exit' backs it
    // up in case something else holds the pipes open.
    child.on('close', (code, signal) => this.finish(this.processEnd(code, signal)));
    child.on('exit', (code, signal) => {
      setTimeout(() => this.finish(this.processEnd(code, signal)), 2_000).unref();
    });
    this.send(this.command);
  }

  /** Asks the engine to stop (it checkpoints first); kills it if it has not gone in time. */
  cancel(): boolean {
    if (this.finished) return false;
    this.send({ type: 'cancel' });
    this.killTimer ??= setTimeout(() => {
      if (this.finished || !this.child) return;
      this.killedAfterCancel = true;
      this.child.kill('SIGKILL');
    }, this.o.cancelGraceMs);
    return true;
  }

  /** Ends the process now, without waiting for a checkpoint. */
  kill(): void {
    if (!this.finished && this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private send(c: EngineCommand): void {
    const child = this.child;
    if (!child?.connected) return;
    child.send(c, (e) => {
      if (e) this.o.log(`engine ${this.id}: could not send '${c.type}': ${e.message}`);
    });
  }

  private onMessage(m: unknown): void {
    if (!isEngineEvent(m)) {
      this.o.log(
        `engine ${this.id}: dropped a malformed event: ${JSON.stringify(m)?.slice(0, 200)}`,
      );
      return;
    }
    if (m.type === 'run-start' || m.type === 'search-start') this.runId = m.runId;
    this.outcome.observe(m);
    this.emit({ event: m });
  }

  private collectStderr(s: string): void {
    const lines = (this.stderrPartial + s).split('\n');
    this.stderrPartial = lines.pop() ?? '';
    this.stderrTail.push(...lines.filter((l) => l.trim() !== ''));
    this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - STDERR_LINES));
  }

  private processEnd(code: number | null, signal: NodeJS.Signals | null): ProcessEnd {
    if (this.stderrPartial.trim()) this.collectStderr('\n');
    return {
      exitCode: code,
      signal,
      stderrTail: [...this.stderrTail],
      killedAfterCancel: this.killedAfterCancel,
    };
  }

  private finish(end: ProcessEnd, failure?: string): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.killTimer);
    const exit: JobExit = failure
      ? {
          status: 'failed',
          exitCode: end.exitCode,
          signal: end.signal,
          message: failure,
          stderrTail: end.stderrTail,
        }
      : this.outcome.exit(end);
    this.emit({ exit });
    this.resolveDone(exit);
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
