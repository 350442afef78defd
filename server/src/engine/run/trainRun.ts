import type { EngineEvent, StartCommand } from '#shared/protocol/engine';
import { selectBackend, type BackendPreference } from '../backend/selectBackend';
import { loadTrainingData, type DataOptions } from '../data/trainingData';
import { runLength } from '../train/schedule';
import { Trainer } from '../train/trainer';
import { openTraining } from './openTraining';
import { trainLoop } from './trainLoop';
import { TrainingSession } from './trainingSession';

export interface TrainRunOptions extends DataOptions {
  /** Checked between steps: true stops the run (with a checkpoint) within one step. */
  shouldStop?: () => boolean;
  emit: (e: EngineEvent) => void;
  now?: () => number;
}

/**
 * Trains a supernet from a config, or resumes a run: open (folder, config, checkpoint),
 * set up (backend, data, trainer state), loop, finish. Every event goes to the run's
 * events.jsonl and to `emit`. Resolves to the final status; a failure ends the run with
 * a failed run-end and rethrows.
 */
export async function trainRun(
  cmd: StartCommand,
  opts: TrainRunOptions,
): Promise<'completed' | 'cancelled'> {
  const now = opts.now ?? Date.now;
  const opened = openTraining(cmd, now());
  const { config, configPath } = opened;
  const backend = await selectBackend((cmd.backend ?? config.train.backend) as BackendPreference);
  const { dataset, data } = loadTrainingData(config, configPath, opts);
  const { stepsPerEpoch, totalSteps } = runLength(config.train, data.trainIndices.length);
  const trainer = new Trainer(config, data.trainIndices.length);
  let session: TrainingSession;
  try {
    session = new TrainingSession({
      opened,
      trainer,
      backend,
      dataset,
      data,
      totalSteps: cmd.steps ?? totalSteps,
      stepsPerEpoch,
      emit: opts.emit,
      now,
    });
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  try {
    session.start();
    const status = await trainLoop(session, opts.shouldStop);
    session.finish(status);
    return status;
  } catch (e) {
    session.fail(e as Error);
    throw e;
  } finally {
    session.close();
  }
}
