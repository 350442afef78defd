import { readFileSync } from 'node:fs';
import { parseExecutor } from '#shared/executor';
import { packageVersion } from '#shared/packageVersion';
import type { EngineEvent } from '#shared/protocol/engine';
import { loadTrainingData, type DataOptions } from '../data/trainingData';
import type { LoadedRun } from './loadRun';
import { runCalibration } from './candidateMeasurer';
import { RunError } from '../runError';
import type { Executor } from '../execute/executor';
import { LocalExecutor } from '../execute/localExecutor';
import { QueueExecutor } from '../execute/queue/queueExecutor';
import { recipeOf } from '../execute/queue/queueTasks';

/**
 * The executor a search or ranking check asked for (`local` when it named none). A local
 * one loads the run's data here; a queue's workers load it themselves, from the same paths.
 */
export async function openExecutor(
  text: string | undefined,
  loaded: LoadedRun,
  opts: DataOptions & { emit: (e: EngineEvent) => void },
): Promise<Executor> {
  const spec = parseExecutor(text ?? 'local');
  if (typeof spec === 'string') throw new RunError(spec);
  if (spec.kind === 'local') {
    const { data } = await loadTrainingData(loaded.config, loaded.configPath, opts);
    return new LocalExecutor({
      net: loaded.net,
      config: loaded.config,
      data,
      calibration: runCalibration(loaded.config, data),
    });
  }
  return QueueExecutor.open(spec.url, {
    runDir: loaded.folder.dir,
    checkpointSha256: loaded.checkpointSha256,
    checkpointStep: loaded.step,
    recipe: recipeOf(loaded.configPath, readFileSync(loaded.folder.configFile, 'utf8')),
    configPath: loaded.configPath,
    version: packageVersion() ?? 'unknown',
    emit: opts.emit,
  });
}
