import type { StartCommand } from '#shared/protocol/engine';
import { runCliJob, type CliIo, type JobTelling } from './cliJob';

export interface TrainCliOptions extends CliIo {
  configPath: string;
  runsDir: string;
  steps?: number;
  resume?: string;
  backend?: string;
  pytorch?: StartCommand['pytorch'];
}

/** Runs training in an engine process and shows its events; resolves to the exit code. */
export function trainCli(o: TrainCliOptions): Promise<number> {
  const start: StartCommand = {
    type: 'start',
    configPath: o.configPath,
    runsDir: o.runsDir,
    ...(o.steps ? { steps: o.steps } : {}),
    ...(o.resume ? { resume: o.resume } : {}),
    ...(o.backend ? { backend: o.backend } : {}),
    ...(o.pytorch ? { pytorch: o.pytorch } : {}),
  };
  return runCliJob(start, o, trainTelling(o.configPath));
}

/** Training: the run, a progress line of steps, each epoch's accuracies (eventLines). */
const trainTelling = (configPath: string): JobTelling => ({
  name: 'train',
  kind: 'train',
  title: configPath,
  interruptNote: 'stopping after this step and writing a checkpoint',
  isEnd: (e) => e.type === 'run-end',
});
