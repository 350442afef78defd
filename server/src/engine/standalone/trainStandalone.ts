import * as tf from '@tensorflow/tfjs-core';
import type { SupernetConfig } from '../../config/configSchema';
import type { Arch } from '#shared/arch';
import type { TrainingData } from '../data/batches';
import { Supernet } from '../model/supernet';
import { Rng } from '#shared/rng';
import { calibrationIndices, type Evaluation } from '../evaluate/evaluate';
import { evaluateSubnetOnnx } from '../evaluate/evaluateOnnx';
import { engineThreads } from '../threads/engineThreads';
import { Cancelled } from '../runError';
import { SubnetTraining } from './subnetTraining';

/**
 * Trains one subnet on its own from scratch with the config's recipe (optimizer, LR
 * schedule, weight decay, batch size, seed) for `epochs`, then evaluates it as search
 * does (onnxruntime): the stand-alone accuracy that supernet rankings are judged against.
 * The loop is SubnetTraining's, which fine-tuning shares.
 * `threads` (default: the engine's limit) split each step's batch (data-parallel steps on
 * wasm: the same result up to float rounding) and evaluation the subnet; whoever trains
 * several at once, like the ranking table's jobs, passes 1.
 */
export async function trainStandalone(
  config: SupernetConfig,
  arch: Arch,
  data: TrainingData,
  epochs: number,
  onStep?: (step: number, total: number, loss: number) => void,
  shouldStop?: () => boolean,
  threads = engineThreads(),
): Promise<Evaluation> {
  const seed = config.train.seed;
  // A supernet whose only trained path is `arch`: the same layers, the same initialisation.
  const training = await SubnetTraining.open(
    {
      config,
      net: new Supernet(config.space, config.task, new Rng(seed)),
      arch,
      train: config.train,
      epochs,
      seed,
      backend: tf.getBackend(),
      threads,
    },
    data,
  );
  try {
    while (!training.done) {
      if (shouldStop?.()) throw new Cancelled();
      const { loss } = training.next();
      onStep?.(training.step, training.totalSteps, loss);
      if (training.step % 20 === 1) await new Promise((r) => setImmediate(r));
    }
    const calibration = calibrationIndices(
      data,
      config.search.bnRecalibrationBatches,
      Math.min(config.train.batchSize, 256),
    );
    return await evaluateSubnetOnnx(training.net, arch, data, calibration, { threads });
  } finally {
    await training.close();
  }
}
