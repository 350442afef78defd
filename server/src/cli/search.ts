import type { SearchCommand } from '#shared/protocol/engine';
import { RUN_FILES } from '#shared/runFolder/layout';
import { runCliJob, type CliIo, type JobTelling } from './cliJob';

export interface SearchCliOptions extends CliIo {
  command: SearchCommand;
}

/** Searches a trained run in an engine process; resolves to the exit code. */
export function searchCli(o: SearchCliOptions): Promise<number> {
  return runCliJob(o.command, o, searchTelling(o.command.run));
}

/** A search: a progress line of generations, then the front (its subnets on stdout). */
const searchTelling = (run: string): JobTelling => ({
  name: 'search',
  kind: 'search',
  title: run,
  interruptNote: `stopping after this generation and writing ${RUN_FILES.pareto}`,
  isEnd: (e) => e.type === 'search-end',
});
