import type { EngineEvent, StartCommand } from '#shared/protocol/engine';
import { selectBackend, type BackendPreference } from '../backend/selectBackend';
import { loadTrainingData, type DataOptions } from '../data/trainingData';
import { runLength } from '../train/schedule';
import { Trainer } from '../train/trainer';
import { engineThreads } from '../threads/engineThreads';
import { openStepRunner, type AnyStepRunner } from '../threads/stepRunner';
import type { ComputeProcess } from '../torch/computeProcess';
import { describeCompute, openTorchCompute, torchBackend, wantsTorch } from '../torch/openTorch';
import { TorchStepRunner } from '../torch/torchStepRunner';
import { openRun, planTraining, type TrainingPlan } from './openTraining';
import { trainLoop } from './trainLoop';
import { TrainingSession } from './trainingSession';

export interface TrainRunOptions extends DataOptions {
  /** Checked between steps: true stops the run (with a checkpoint) within one step. */
  shouldStop?: () => boolean;
  emit: (e: EngineEvent) => void;
  now?: () => number;
}

/**
 * Trains a supernet from a config, or resumes a run: plan (config, checkpoint, lock),
 * set up (backend, data, the run folder, trainer state), loop, finish. Every event goes
 * to the run's events.jsonl and to `emit`. Resolves to the final status; a failure ends
 * the run with a failed run-end and rethrows. The run's lock is released however it ends.
 */
export async function trainRun(
  cmd: StartCommand,
  opts: TrainRunOptions,
): Promise<'completed' | 'cancelled'> {
  const now = opts.now ?? Date.now;
  const plan = planTraining(cmd, now());
  let release = plan.resumed?.release;
  try {
    const session = await startSession(cmd, plan, opts, now, (r) => (release = r));
    try {
      session.start();
      const status = await trainLoop(session, opts.shouldStop);
      // The last steps' weights, from wherever they ran, before the last checkpoint.
      await session.s.stepper.sync?.();
      session.finish(status);
      return status;
    } catch (e) {
      session.fail(e as Error);
      throw e;
    } finally {
      // The step helpers end with the run (cancelled, failed or done): no thread outlives it.
      await session.s.stepper.close();
      session.close();
    }
  } finally {
    release?.();
  }
}

/** Backend, data, the run folder and the trainer (restored when resuming). */
async function startSession(
  cmd: StartCommand,
  plan: TrainingPlan,
  opts: TrainRunOptions,
  now: () => number,
  locked: (release: () => void) => void,
): Promise<TrainingSession> {
  const { config, configPath } = plan;
  const pref = cmd.backend ?? config.train.backend;
  const torch = wantsTorch(pref);
  // On pytorch the engine's own tensors serve checkpoints and evaluation: any tfjs backend.
  const host = await selectBackend((torch ? 'auto' : pref) as BackendPreference);
  const { dataset, data } = await loadTrainingData(config, configPath, opts);
  const { stepsPerEpoch, totalSteps } = runLength(config.train, data.trainIndices.length);
  // Every rank up before the run folder exists: a run that cannot start leaves nothing behind.
  const compute: ComputeProcess | undefined = torch
    ? await openTorchCompute(config, cmd)
    : undefined;
  let opened;
  try {
    opened = openRun(plan, cmd.runsDir);
  } catch (e) {
    await compute?.close();
    throw e;
  }
  locked(opened.release);
  const trainer = new Trainer(config, data.trainIndices.length);
  let stepper: AnyStepRunner | undefined;
  try {
    stepper = compute
      ? new TorchStepRunner(trainer, config, compute)
      : await openStepRunner(trainer, config, host.name, engineThreads());
    if (compute)
      opened.notes.push(
        `${describeCompute(compute, config.train.pytorch?.batchNorm ?? 'sync')}; tfjs ${host.name} scores the subnets`,
      );
    const backend = compute ? torchBackend(compute) : host;
    return new TrainingSession({
      opened,
      trainer,
      stepper,
      backend,
      dataset,
      data,
      // A resumed run keeps its own length (and so its LR schedule) unless told otherwise.
      totalSteps: cmd.steps ?? opened.resumeFrom?.header.totalSteps ?? totalSteps,
      stepsPerEpoch,
      emit: opts.emit,
      now,
    });
  } catch (e) {
    await (stepper ?? compute)?.close();
    trainer.dispose();
    throw e;
  }
}
