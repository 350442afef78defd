import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import { selectBackend } from '../../../../server/src/engine/backend/selectBackend';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { Rng } from '#shared/rng';
import { randomArch } from '../../../../server/src/space/randomArch';
import { serialStepRunner, type StepOutcome } from '../../../../server/src/engine/train/trainStep';
import type { SampledSubnet } from '../../../../server/src/engine/train/samplers/samplerTypes';
import { ParallelStepRunner } from '../../../../server/src/engine/threads/parallelStep';
import { randomTensor } from '../backend/backendParity';
import { smallConfig } from '../train/fixtures';

/**
 * Subnet-parallel steps (engine/threads) against SerialStepRunner: the same seeded supernet,
 * batch and subnets must give the same weights (within 1e-5 relative: in fact the same
 * bits), losses, gradient variance, importance feedback and error norms; and the same
 * thread count twice gives identical losses.
 */

before(async () => {
  await selectBackend('wasm');
});

interface Trained {
  outcomes: StepOutcome[];
  weights: [string, Float32Array][];
  helperSubnets: number;
}

async function train(threads: number, steps: number): Promise<Trained> {
  const config = smallConfig();
  const net = new Supernet(config.space, config.task, new Rng(0));
  const { optimizer, runner } = serialStepRunner(net, config.train);
  const parallel =
    threads > 1
      ? await ParallelStepRunner.create(net, optimizer, threads, { maxSubnets: 4, maxBatch: 4 })
      : undefined;
  const images = tf.tensor4d(randomTensor([4, 28, 28, 1], 7).data, [4, 28, 28, 1]);
  const labels = tf.tensor1d([0, 3, 9, 1], 'int32');
  const imageWeights = tf.tensor1d([0.5, 1.5, 1, 1]);
  const rng = new Rng(5);
  const sub = (role: SampledSubnet['role'], arch: SampledSubnet['arch'], flops: number) => ({
    role,
    arch,
    flops,
  });
  const outcomes: StepOutcome[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const subnets: SampledSubnet[] = [
        sub('largest', largestArch(config.space, config.task), 4),
        sub('smallest', smallestArch(config.space, config.task), 1),
        sub('random', randomArch(config.space, config.task, rng), 2),
        sub('random', randomArch(config.space, config.task, rng), 3),
      ];
      const opts = {
        distillation: true,
        lr: 0.05,
        wantFeedback: true,
        wantErrorNorms: true,
        // Importance sampling's per-image loss weights on one step.
        ...(s === 1 ? { weights: imageWeights } : {}),
      };
      outcomes.push((parallel ?? runner).run(subnets, images, labels, opts));
    }
    const weights = net
      .namedVariables()
      .filter(([, v]) => v.trainable)
      .map(([name, v]): [string, Float32Array] => [name, v.dataSync() as Float32Array]);
    return { outcomes, weights, helperSubnets: parallel?.helperSubnets ?? 0 };
  } finally {
    await parallel?.close();
    tf.dispose([images, labels, imageWeights]);
    optimizer.dispose();
    net.dispose();
  }
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    const tolerance = 1e-5 * Math.max(Math.abs(a[i]), Math.abs(b[i]), 1e-12);
    assert.ok(Math.abs(a[i] - b[i]) <= tolerance, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

void test('3 sandwich steps on 2 threads equal the one-thread steps on every weight', async () => {
  const one = await train(1, 3);
  const two = await train(2, 3);
  assert.ok(two.helperSubnets > 0, 'the helper computed no subnet');
  two.weights.forEach(([name, w], i) => assertClose(w, one.weights[i][1], name));
  // Same code on the same bits in every thread: the figures are the same, not just close.
  assert.deepEqual(two.outcomes, one.outcomes);
});

void test('the same seed and thread count give identical losses', async () => {
  const a = await train(2, 2);
  const b = await train(2, 2);
  assert.deepEqual(
    a.outcomes.map((o) => [o.losses, o.distillLoss]),
    b.outcomes.map((o) => [o.losses, o.distillLoss]),
  );
});
