import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  eventProblem,
  parseEngineEvent,
  type EngineCommand,
  type EngineEvent,
} from '#shared/protocol/engine';

/** How many of the engine's last stderr lines a crash report carries. */
const STDERR_LINES = 20;

export interface EngineProcessOptions {
  /** The engine bundle; default dist/engine.js next to the bundle that runs this. */
  enginePath?: string;
  /** The engine's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  onEvent: (e: EngineEvent) => void;
  /** Engine stdout lines, messages it sent that were not events, send failures. */
  onLog?: (line: string) => void;
}

/** How the engine process ended. */
export interface EngineEnd {
  /** The exit code, or null when a signal ended it (or it never started). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The engine's last stderr lines, for a crash report. */
  stderrTail: string[];
  /** Why the engine never ran (missing bundle, fork failure); absent when it ran. */
  startFailure?: string;
}

/** The default engine bundle: dist/engine.js beside the running bundle. */
export const defaultEnginePath = (): string => path.join(__dirname, 'engine.js');

/**
 * One engine process (`dist/engine.js`) driven over IPC: sends it one job command, passes
 * on its events, collects its stderr by whole lines, and resolves `done` exactly once
 * however it ends or fails to start. The CLI and the language server both drive the
 * engine through this.
 */
export class EngineProcess {
  private child?: ChildProcess;
  private readonly stderrTail: string[] = [];
  private stderrPartial = '';
  private ended = false;
  private resolveDone!: (end: EngineEnd) => void;
  readonly done = new Promise<EngineEnd>((r) => (this.resolveDone = r));

  constructor(private readonly o: EngineProcessOptions) {}

  get running(): boolean {
    return !this.ended;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(command: EngineCommand): void {
    const enginePath = this.o.enginePath ?? defaultEnginePath();
    if (!existsSync(enginePath)) {
      this.failToStart(`the engine bundle ${enginePath} is missing; run \`npm run build\``);
      return;
    }
    let child: ChildProcess;
    try {
      child = fork(enginePath, [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: this.o.env ?? process.env,
        // Its own process group: a terminal's Ctrl-C reaches the driver, which asks the engine
        // to stop after a checkpoint, instead of killing the engine mid-step.
        detached: true,
      });
    } catch (e) {
      this.failToStart(`the engine could not be started: ${(e as Error).message}`);
      return;
    }
    this.child = child;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (s: string) => this.o.onLog?.(s.trimEnd()));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => this.collectStderr(s));
    child.on('message', (m: unknown) => {
      const e = parseEngineEvent(m);
      if (e) this.o.onEvent(e);
      else this.o.onLog?.(`dropped a malformed event: ${eventProblem(m)}`);
    });
    child.on('error', (e) => {
      // No pid: the process never started, and no exit will follow.
      if (child.pid === undefined)
        this.failToStart(`the engine could not be started: ${e.message}`);
      else this.o.onLog?.(e.message);
    });
    // 'close' comes after the pipes are drained, so the stderr tail is complete; 'exit'
    // backs it up in case something else holds the pipes open.
    child.on('close', (code, signal) => this.finish(code, signal));
    child.on('exit', (code, signal) => {
      setTimeout(() => this.finish(code, signal), 2_000).unref();
    });
    this.send(command);
  }

  /** Asks the engine to stop its job (training checkpoints first). */
  cancel(): void {
    this.send({ type: 'cancel' });
  }

  /** Ends the process now, without waiting for a checkpoint. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.ended && this.child && this.child.exitCode === null) this.child.kill(signal);
  }

  private send(c: EngineCommand): void {
    const child = this.child;
    if (!child?.connected) return;
    child.send(c, (e) => {
      if (e) this.o.onLog?.(`could not send '${c.type}': ${e.message}`);
    });
  }

  private collectStderr(s: string): void {
    const lines = (this.stderrPartial + s).split('\n');
    this.stderrPartial = lines.pop() ?? '';
    this.stderrTail.push(...lines.filter((l) => l.trim() !== ''));
    this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - STDERR_LINES));
  }

  private failToStart(reason: string): void {
    // After the caller's own bookkeeping of the start, so it hears of the end second.
    setImmediate(() =>
      this.end({ code: null, signal: null, stderrTail: [], startFailure: reason }),
    );
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stderrPartial.trim()) this.collectStderr('\n');
    this.end({ code, signal, stderrTail: [...this.stderrTail] });
  }

  private end(e: EngineEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.resolveDone(e);
  }
}
