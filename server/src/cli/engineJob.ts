import type { EngineCommand, EngineEvent } from '#shared/protocol/engine';
import { EngineProcess, type EngineEnd } from '../driver/engineProcess';

export interface EngineJobOptions {
  /** The engine bundle; default dist/engine.js next to this bundle. */
  enginePath?: string;
  onEvent: (e: EngineEvent) => void;
  err: (s: string) => void;
  /** What Ctrl-C does first (the second one kills the engine). */
  interruptNote: string;
}

/**
 * Runs one engine job in its own process through the same EngineProcess the editor's run
 * manager uses. Ctrl-C asks the engine to stop cleanly; a second Ctrl-C kills it.
 * Resolves to how the process ended, or to why it could not start.
 */
export async function runEngineJob(
  command: EngineCommand,
  o: EngineJobOptions,
): Promise<EngineEnd | string> {
  const engine = new EngineProcess({
    ...(o.enginePath ? { enginePath: o.enginePath } : {}),
    onEvent: o.onEvent,
    onLog: (line) => o.err(line),
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      o.err(`\n${o.interruptNote} (Ctrl-C again to kill)…`);
      engine.cancel();
    } else engine.kill();
  };
  process.on('SIGINT', onSigint);
  try {
    engine.start(command);
    const end = await engine.done;
    return end.startFailure ?? end;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The lines that explain an engine that exited without its end event. */
export function crashReport(command: string, end: EngineEnd): string[] {
  return [
    `supernet ${command}: the engine stopped unexpectedly (${end.signal ?? `exit code ${end.code}`}).`,
    ...end.stderrTail.map((l) => `  ${l}`),
  ];
}
