import type { ProfileCommand } from '#shared/protocol/engine';
import { runCliJob, type CliIo } from './cliJob';

export interface ProfileCliOptions extends CliIo {
  command: ProfileCommand;
}

/** Times a space's units on a device and writes its latency table; resolves to the exit code. */
export function profileCli(o: ProfileCliOptions): Promise<number> {
  return runCliJob(o.command, o, {
    name: 'profile',
    kind: 'profile',
    title: o.command.run,
    interruptNote: 'stopping (no table is written)',
    isEnd: (e) => e.type === 'profile-end',
  });
}
