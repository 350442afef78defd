import type * as tf from '@tensorflow/tfjs-core';
import type { SupernetConfig } from '../../config/configSchema';
import type { SampledSubnet } from '../train/samplerTypes';
import type { StepOptions, StepOutcome } from '../train/trainStep';
import type { Trainer } from '../train/trainer';
import { ParallelStepRunner } from './parallelStep';

/** What the training loop calls once per step; closed when the run ends, however it ends. */
export interface TrainStepper {
  /** Threads the steps use: 1, or the main thread and its helpers. */
  readonly threads: number;
  run(subnets: SampledSubnet[], x: tf.Tensor4D, y: tf.Tensor1D, opts: StepOptions): StepOutcome;
  close(): Promise<void>;
}

/** Subnets per step the sampler takes: uniform sampling takes one whatever `subnets` says. */
function subnetsPerStep(config: SupernetConfig): number {
  const { type, subnets } = config.train.sampler;
  return type === 'uniform' ? 1 : subnets;
}

/**
 * The trainer's step runner, or subnet-parallel steps when they can help: more than one
 * thread allowed, steps of at least two subnets, and the wasm backend (the helpers run
 * wasm; a native TensorFlow backend has its own threads, and the cpu backend would give the
 * helpers' gradients other bits than the main thread's). Steps of one subnet, or too many
 * for the shared buffers, go to the one-thread runner, which gives the same numbers.
 */
export async function openStepper(
  trainer: Trainer,
  config: SupernetConfig,
  backend: string,
  threads: number,
): Promise<TrainStepper> {
  const single: TrainStepper = {
    threads: 1,
    run: (subnets, x, y, opts) => trainer.runner.run(subnets, x, y, opts),
    close: () => Promise.resolve(),
  };
  const perStep = subnetsPerStep(config);
  if (threads < 2 || perStep < 2 || backend !== 'wasm') return single;
  const parallel = await ParallelStepRunner.create(
    trainer.net,
    trainer.optimizer,
    Math.min(threads, perStep),
    { maxSubnets: perStep, maxBatch: config.train.batchSize },
  );
  return {
    threads: parallel.threads,
    run: (subnets, x, y, opts) =>
      subnets.length >= 2 && parallel.fits(subnets.length, x.shape[0])
        ? parallel.run(subnets, x, y, opts)
        : trainer.runner.run(subnets, x, y, opts),
    close: () => parallel.close(),
  };
}
