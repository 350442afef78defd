import type * as tf from '@tensorflow/tfjs-core';
import type { SupernetConfig } from '../../config/configSchema';
import type { SampledSubnet } from '../train/samplers/samplerTypes';
import type { StepOptions, StepOutcome } from '../train/trainStep';
import type { Trainer } from '../train/trainer';
import { ParallelStepRunner } from './parallelStep';

/** What the training loop calls once per step; closed when the run ends, however it ends. */
export interface StepRunner {
  /** Threads the steps use: 1, or the main thread and its helpers. */
  readonly threads: number;
  run(subnets: SampledSubnet[], x: tf.Tensor4D, y: tf.Tensor1D, opts: StepOptions): StepOutcome;
  sync?: undefined;
  reload?: undefined;
  close(): Promise<void>;
}

/**
 * Steps that run in another process (the pytorch backend), on a working copy of the trainer's
 * tensors.
 */
export interface RemoteStepRunner {
  readonly threads: number;
  run(
    subnets: SampledSubnet[],
    x: tf.Tensor4D,
    y: tf.Tensor1D,
    opts: StepOptions,
  ): Promise<StepOutcome>;
  /** Brings the trainer's tensors up to date, before anything reads them (checkpoints, evaluation, channel sorting). */
  sync(): Promise<void>;
  /** The engine changed the trainer's tensors (channel sorting): the next step takes them first. */
  reload(): void;
  close(): Promise<void>;
}

/** Whatever runs a training run's steps. */
export type AnyStepRunner = StepRunner | RemoteStepRunner;

/** Subnets per step the sampler takes: uniform and pada take one whatever `subnets` says. */
function subnetsPerStep(config: SupernetConfig): number {
  const { type, subnets } = config.train.sampler;
  return type === 'uniform' || type === 'pada' ? 1 : subnets;
}

/**
 * The least work (MACs: images × the subnet's MACs an image) for which a step of one subnet
 * is split across the threads. Splitting costs about 18 ms a step on the 2-core machine
 * (batch norm's exchanges, the gradient sum, waking the helpers) and saves 40% of the
 * compute: fitted to stand-alone training of the tiny example's subnets at batch 64 (181k
 * MACs an image: 28 ms a step on one thread, 39 on two; 686k: 77 against 69) and the
 * reference net's largest (9.2M: 902 against 549 ms), the break-even is about 460k MACs an
 * image at batch 64.
 */
export const DATA_PARALLEL_MIN_MACS = 64 * 500_000;

/** Whether a step of this one subnet on `batch` images is worth splitting across threads. */
export const worthSplitting = (subnet: SampledSubnet, batch: number): boolean =>
  subnet.flops * batch >= DATA_PARALLEL_MIN_MACS;

/**
 * What a stepper trains: the trainer's, or a benchmark's stand-in; read at every step, since
 * after a few-shot split the trainer's supernet is the step's part.
 */
export type StepParts = Pick<Trainer, 'net' | 'optimizer' | 'runner'>;

/**
 * The trainer's step runner, or parallel steps when more than one thread is allowed and the
 * backend is wasm (the helpers run wasm; a native TensorFlow backend has its own threads,
 * and the cpu backend would give the helpers' gradients other bits than the main thread's):
 * a step of several subnets is subnet-parallel (the same numbers as the one-thread runner),
 * a step of one subnet data-parallel (the same up to float rounding), on as many threads as
 * the sampler's subnets per step, or all of them when it takes one subnet per step. Steps
 * too big for the shared buffers, and steps of one subnet on fewer images than threads or
 * too small to gain from splitting (worthSplitting), go to the one-thread runner.
 */
export async function openStepRunner(
  trainer: StepParts,
  config: SupernetConfig,
  backend: string,
  threads: number,
): Promise<StepRunner> {
  const single: StepRunner = {
    threads: 1,
    run: (subnets, x, y, opts) => trainer.runner.run(subnets, x, y, opts),
    close: () => Promise.resolve(),
  };
  const perStep = subnetsPerStep(config);
  const { batchSize } = config.train;
  const pool = Math.min(threads, perStep < 2 ? batchSize : perStep);
  if (pool < 2 || backend !== 'wasm') return single;
  const parallel = await ParallelStepRunner.create(trainer.net, trainer.optimizer, pool, {
    maxSubnets: perStep,
    maxBatch: batchSize,
  });
  const parallelizes = (subnets: SampledSubnet[], batch: number) =>
    subnets.length === 1
      ? worthSplitting(subnets[0], batch) && parallel.splitsBatch(batch)
      : parallel.fits(subnets.length, batch);
  return {
    threads: parallel.threads,
    run: (subnets, x, y, opts) => {
      if (!parallelizes(subnets, x.shape[0])) return trainer.runner.run(subnets, x, y, opts);
      // The trainer's supernet of this step: a few-shot split's parts take turns.
      parallel.use(trainer.net, trainer.optimizer);
      return parallel.run(subnets, x, y, opts);
    },
    close: () => parallel.close(),
  };
}
