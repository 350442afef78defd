import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { isEngineEvent, type EngineCommand, type EngineEvent } from '../protocol/engine';

export interface EngineJobOptions {
  /** The engine bundle; default dist/engine.js next to this bundle. */
  enginePath?: string;
  onEvent: (e: EngineEvent) => void;
  err: (s: string) => void;
  /** What Ctrl-C does first (the second one kills the engine). */
  interruptNote: string;
}

export interface EngineJobEnd {
  /** The engine's exit code, or null when a signal ended it. */
  code: number | null;
  signal: string | null;
  /** The engine's last stderr lines, for a crash report. */
  stderrTail: string[];
}

/**
 * Runs one engine job (train, search or export) in a child process, as the editor
 * does, so the CLI and the editor share one code path. Ctrl-C asks the engine to stop
 * cleanly; a second Ctrl-C kills it.
 */
export function runEngineJob(
  command: EngineCommand,
  o: EngineJobOptions,
): Promise<EngineJobEnd | string> {
  const enginePath = o.enginePath ?? path.join(__dirname, 'engine.js');
  if (!existsSync(enginePath)) {
    return Promise.resolve(`the engine bundle ${enginePath} is missing; run \`npm run build\`.`);
  }
  const child = fork(enginePath, [], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  const stderrTail: string[] = [];
  child.stderr?.on('data', (d: Buffer) => {
    stderrTail.push(...d.toString().split('\n').filter(Boolean));
    stderrTail.splice(0, Math.max(0, stderrTail.length - 20));
  });
  child.send(command);
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      o.err(`\n${o.interruptNote} (Ctrl-C again to kill)…`);
      child.send({ type: 'cancel' });
    } else child.kill('SIGKILL');
  };
  process.on('SIGINT', onSigint);
  child.on('message', (m: unknown) => {
    if (isEngineEvent(m)) o.onEvent(m);
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onSigint);
      resolve({ code, signal, stderrTail });
    });
  });
}

/** The lines that explain an engine that exited without its end event. */
export function crashReport(command: string, end: EngineJobEnd): string[] {
  return [
    `supernet ${command}: the engine stopped unexpectedly (${end.signal ?? `exit code ${end.code}`}).`,
    ...end.stderrTail.map((l) => `  ${l}`),
  ];
}
