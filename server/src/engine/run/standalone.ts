import * as tf from '@tensorflow/tfjs-core';
import type { SupernetConfig } from '../../config/configSchema';
import type { Arch } from '#shared/arch';
import { subnetCost } from '../../space/facts';
import { BatchAssembler, type TrainingData } from '../data/batches';
import { Supernet } from '../model/supernet';
import { Rng } from '../rng';
import { BatchSampler } from '../train/dataSampler';
import { calibrationIndices, type SubnetScore } from '../evaluate/evaluate';
import { evaluateSubnetOnnx } from '../evaluate/evaluateOnnx';
import { learningRate } from '../train/lrSchedule';
import { stepperFor } from '../train/trainStep';
import { openStepper, worthSplitting } from '../parallel/trainStepper';
import { engineThreads } from '../parallel/engineThreads';
import { Cancelled } from '../runError';

/**
 * Trains one subnet on its own from scratch with the config's recipe (optimizer, LR
 * schedule, weight decay, batch size, seed) for `epochs`, then evaluates it as search
 * does (onnxruntime): the stand-alone accuracy that supernet rankings are judged against.
 * `threads` (default: the engine's limit) split each step's batch (data-parallel steps on
 * wasm: the same result up to float rounding) and score the subnet; whoever trains
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
): Promise<SubnetScore> {
  const seed = config.train.seed;
  // A supernet whose only trained path is `arch`: the same layers, the same initialisation.
  const net = new Supernet(config.space, config.task, new Rng(seed));
  // The one network is its own largest: the supernet's decay scope does not apply.
  const { optimizer, runner } = stepperFor(net, { ...config.train, weightDecayScope: 'step' });
  const sub = [
    { role: 'largest' as const, arch, flops: subnetCost(config.space, config.task, arch).flops },
  ];
  // One subnet a step, whatever the config's sampler: the pool is sized for that, and not
  // started at all for a subnet whose steps would not be split.
  const stepper = await openStepper(
    { net, optimizer, runner },
    {
      ...config,
      train: { ...config.train, sampler: { ...config.train.sampler, type: 'uniform' } },
    },
    tf.getBackend(),
    worthSplitting(sub[0], config.train.batchSize) ? threads : 1,
  );
  const batches = new BatchSampler(
    data.trainIndices.length,
    config.train.batchSize,
    new Rng(seed + 2),
    'shuffle',
  );
  const total = Math.max(1, Math.round(epochs * batches.stepsPerEpoch));
  const assembler = new BatchAssembler(data);
  const augment = new Rng(seed + 3);
  try {
    for (let step = 0; step < total; step++) {
      if (shouldStop?.()) throw new Cancelled();
      const batch = batches.next(step / total);
      const { x, y } = assembler.gather(
        Array.from(batch.indices, (i) => data.trainIndices[i]),
        augment,
      );
      try {
        const out = stepper.run(sub, x, y, {
          distillation: false,
          lr: learningRate(step, total, batches.stepsPerEpoch, config.train),
          wantFeedback: false,
          wantErrorNorms: false,
        });
        onStep?.(step + 1, total, out.losses[0]);
      } finally {
        tf.dispose([x, y]);
      }
      if (step % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    const calibration = calibrationIndices(
      data,
      config.search.bnRecalibrationBatches,
      Math.min(config.train.batchSize, 256),
    );
    return await evaluateSubnetOnnx(net, arch, data, calibration, { threads });
  } finally {
    await stepper.close();
    optimizer.dispose();
    net.dispose();
  }
}
