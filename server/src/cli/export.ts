import type { ExportCommand } from '#shared/protocol/engine';
import { runCliJob, type CliIo } from './cliJob';

export interface ExportCliOptions extends CliIo {
  command: ExportCommand;
}

/** Exports and verifies one subnet in an engine process; resolves to the exit code. */
export function exportCli(o: ExportCliOptions): Promise<number> {
  return runCliJob(o.command, o, {
    name: 'export',
    kind: 'export',
    title: o.command.key ?? o.command.run,
    interruptNote: 'stopping the export',
    isEnd: (e) => e.type === 'export',
    quietOnLoggedError: true,
  });
}
