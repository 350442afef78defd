import type { RankCommand } from '#shared/protocol/engine';
import { runCliJob, type CliIo } from './cliJob';

export interface RankCliOptions extends CliIo {
  command: RankCommand;
}

/**
 * Runs a ranking check in an engine process (K subnets trained alone from scratch) and
 * prints each subnet and the rank correlations; resolves to the exit code.
 */
export function rankCli(o: RankCliOptions): Promise<number> {
  return runCliJob(o.command, o, {
    name: 'rank',
    kind: 'rank',
    title: o.command.run,
    interruptNote: 'stopping the ranking check (nothing is written)',
    isEnd: (e) => e.type === 'rank-end',
  });
}
