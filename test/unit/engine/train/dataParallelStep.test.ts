import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { largestArch } from '../../../../server/src/space/arch';
import { selectBackend } from '../../../../server/src/engine/backend/selectBackend';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { Rng } from '#shared/rng';
import {
  serialStepRunner,
  type StepOptions,
  type StepOutcome,
} from '../../../../server/src/engine/train/trainStep';
import type { SampledSubnet } from '../../../../server/src/engine/train/samplers/samplerTypes';
import { ParallelStepRunner } from '../../../../server/src/engine/threads/parallelStep';
import { shardOf } from '../../../../server/src/engine/threads/shardStep';
import {
  DATA_PARALLEL_MIN_MACS,
  openStepRunner,
  worthSplitting,
} from '../../../../server/src/engine/threads/stepRunner';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { subnetCost } from '../../../../server/src/space/facts';
import { smallestArch } from '../../../../server/src/space/arch';
import { randomTensor, relativeError } from '../backend/backendParity';
import { smallConfig } from './fixtures';

/**
 * Data-parallel steps of one subnet (engine/threads/shardStep.ts) against SerialStepRunner on the
 * whole batch.
 *
 * The one-thread step is itself reproducible only to about 1e-2 relative in the gradients
 * of the early layers: batch norm's backward pass cancels most of what reaches it, so the
 * rounding of its sums, which any other summation order changes (the batch in reverse order,
 * or the cpu backend), shows at that scale. A 1e-5 tolerance on every weight after a few
 * steps therefore holds for no implementation that sums in another order. The tests check
 * instead:
 *  - exactly, on a batch made of two copies of the same images: each thread's shard is the
 *    whole one-thread batch, and every sum of the data-parallel step is then the one-thread
 *    sum doubled (exact in floating point), so weights, running statistics, losses, error
 *    norms and feedback must be the same bits: this catches any error of scale (the loss's
 *    share, batch norm's row count, dγ and dβ counted on both threads, the gradients' sum);
 *  - on distinct shards, including an uneven split (33 images): the first step's loss within
 *    1e-6 (the forward pass is well conditioned, and batch norm without synchronised
 *    statistics is off by far more), and every tensor after 3 steps as close to the
 *    one-thread step as the one-thread step is to itself on the batch in reverse order
 *    (per tensor: max |a − b| / max(max |b|, 1e-6), within 1e-5 or 10 times that noise; the
 *    losses after an update within 1e-4, stepParity.test's tolerance across backends);
 *    where the one-thread step is precise (the head and the classifier, about 1e-6), this
 *    catches a batch norm whose backward pass is not synchronised;
 *  - the same seed on 2 threads twice gives the same bits.
 */

before(async () => {
  await selectBackend('wasm');
});

interface Batch {
  images: Float32Array;
  labels: number[];
  /** Per-image loss weights, used on the second step (importance sampling's). */
  weights: number[];
  /** A frozen teacher's probabilities, 10 per image (fine-tuning's soft targets). */
  soft: Float32Array;
}

interface Trained {
  outcomes: StepOutcome[];
  /** Every tensor of the supernet's state, running statistics included. */
  state: [string, Float32Array][];
  helperShards: number;
}

function makeBatch(size: number): Batch {
  const logits = tf.tensor2d(randomTensor([size, 10], 11).data, [size, 10]);
  const soft = tf.softmax(logits);
  try {
    return {
      images: randomTensor([size, 28, 28, 1], 7).data,
      labels: Array.from({ length: size }, (_, i) => (i * 7) % 10),
      weights: Array.from({ length: size }, (_, i) => 0.5 + (i % 3) / 2),
      soft: soft.dataSync() as Float32Array,
    };
  } finally {
    tf.dispose([logits, soft]);
  }
}

const IMAGE = 28 * 28;

/** The batch with its images in reverse order. */
function reversed(b: Batch): Batch {
  const n = b.labels.length;
  const images = new Float32Array(b.images.length);
  for (let i = 0; i < n; i++)
    images.set(b.images.subarray(i * IMAGE, (i + 1) * IMAGE), (n - 1 - i) * IMAGE);
  const soft = new Float32Array(b.soft.length);
  for (let i = 0; i < n; i++) soft.set(b.soft.subarray(i * 10, (i + 1) * 10), (n - 1 - i) * 10);
  return { images, labels: [...b.labels].reverse(), weights: [...b.weights].reverse(), soft };
}

/** Two copies of the batch, one after the other. */
function doubled(b: Batch): Batch {
  const images = new Float32Array(2 * b.images.length);
  images.set(b.images, 0);
  images.set(b.images, b.images.length);
  const soft = new Float32Array(2 * b.soft.length);
  soft.set(b.soft, 0);
  soft.set(b.soft, b.soft.length);
  return {
    images,
    labels: [...b.labels, ...b.labels],
    weights: [...b.weights, ...b.weights],
    soft,
  };
}

async function train(
  threads: number,
  steps: number,
  b: Batch,
  withSoftTargets = false,
): Promise<Trained> {
  const config = smallConfig();
  const net = new Supernet(config.space, config.task, new Rng(0));
  const { optimizer, runner } = serialStepRunner(net, config.train);
  const size = b.labels.length;
  const parallel =
    threads > 1
      ? await ParallelStepRunner.create(net, optimizer, threads, { maxSubnets: 1, maxBatch: size })
      : undefined;
  const images = tf.tensor4d(b.images, [size, 28, 28, 1]);
  const labels = tf.tensor1d(b.labels, 'int32');
  const imageWeights = tf.tensor1d(b.weights);
  const softTargets = tf.tensor2d(b.soft, [size, 10]);
  const largest: SampledSubnet = {
    role: 'largest',
    arch: largestArch(config.space, config.task),
    flops: 1,
  };
  const outcomes: StepOutcome[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const opts: StepOptions = {
        // One subnet: no teacher, whatever this says.
        distillation: true,
        lr: 0.05,
        wantFeedback: true,
        wantErrorNorms: true,
        ...(s === 1 ? { weights: imageWeights } : {}),
        ...(withSoftTargets ? { softTargets } : {}),
      };
      outcomes.push((parallel ?? runner).run([largest], images, labels, opts));
    }
    const state = net
      .namedVariables()
      .map(([name, v]): [string, Float32Array] => [name, v.dataSync() as Float32Array]);
    return { outcomes, state, helperShards: parallel?.helperShards ?? 0 };
  } finally {
    await parallel?.close();
    tf.dispose([images, labels, imageWeights, softTargets]);
    optimizer.dispose();
    net.dispose();
  }
}

/** What of a step's outcome is compared, as named float arrays. */
function figures(o: StepOutcome, reverse = false): [string, number[]][] {
  const f = o.feedback![0];
  const norms = Array.from(o.errorNorms!);
  return [
    ['losses', o.losses],
    ['error norms', reverse ? norms.reverse() : norms],
    ['gradient norms', [f.totalGradNorm, ...f.stageGradNorms, ...f.blockGradNorms.flat()]],
    ['gradient variance', [o.gradVariance.total, ...o.gradVariance.stages]],
  ];
}

for (const size of [8, 33]) {
  void test(`3 steps of one subnet on 2 threads are as close to one thread as it is to itself (batch ${size})`, async () => {
    const batch = makeBatch(size);
    const one = await train(1, 3, batch);
    const noise = await train(1, 3, reversed(batch));
    const two = await train(2, 3, batch);
    // A silent fallback to one thread would leave the helper idle.
    assert.equal(two.helperShards, 3, 'the helper did not compute a shard of every step');
    const first = [two.outcomes[0].losses[0], one.outcomes[0].losses[0]];
    assert.ok(
      relativeError([first[0]], [first[1]]) <= 1e-6,
      `first loss: ${first[0]} vs ${first[1]}`,
    );
    // `floor`: the tolerance where the reversed batch happens to land closer.
    const within = (
      a: ArrayLike<number>,
      b: ArrayLike<number>,
      n: ArrayLike<number>,
      what: string,
      floor = 1e-5,
    ) => {
      const [d, tolerance] = [relativeError(a, b), Math.max(floor, 10 * relativeError(n, b))];
      assert.ok(
        d <= tolerance,
        `${what}: ${d} from one thread, which is ${relativeError(n, b)} from itself`,
      );
    };
    two.state.forEach(([name, w], i) => {
      assert.equal(name, one.state[i][0]);
      within(w, one.state[i][1], noise.state[i][1], name);
    });
    two.outcomes.forEach((o, s) => {
      const [ref, rev] = [figures(one.outcomes[s]), figures(noise.outcomes[s], true)];
      // One number after updates: its noise is one draw, so the floor is stepParity.test's 1e-4.
      figures(o).forEach(([what, v], k) =>
        within(v, ref[k][1], rev[k][1], `step ${s} ${what}`, what === 'losses' ? 1e-4 : 1e-5),
      );
    });
  });
}

void test('on two copies of a batch, 2 threads give the one-thread bits of one copy', async () => {
  const batch = makeBatch(8);
  const one = await train(1, 3, batch);
  const two = await train(2, 3, doubled(batch));
  assert.equal(two.helperShards, 3);
  assert.deepEqual(two.state, one.state);
  two.outcomes.forEach((o, s) => {
    const ref = one.outcomes[s];
    const norms = Array.from(ref.errorNorms!);
    assert.deepEqual(
      { ...o, errorNorms: Array.from(o.errorNorms!) },
      { ...ref, errorNorms: [...norms, ...norms] },
    );
  });
});

void test('with soft targets (fine-tuning), 2 threads on two copies give the one-thread bits of one copy', async () => {
  const batch = makeBatch(8);
  const one = await train(1, 3, batch, true);
  const two = await train(2, 3, doubled(batch), true);
  assert.equal(two.helperShards, 3);
  assert.ok(
    one.outcomes.every((o) => o.distillLoss! > 0),
    'the distillation loss is reported',
  );
  assert.deepEqual(two.state, one.state);
  two.outcomes.forEach((o, s) => {
    const ref = one.outcomes[s];
    assert.deepEqual(o.losses, ref.losses, `step ${s} label loss`);
    assert.equal(o.distillLoss, ref.distillLoss, `step ${s} distillation loss`);
  });
  // The soft targets change the update: not the label loss alone.
  const plain = await train(1, 3, batch);
  assert.notDeepEqual(plain.state, one.state);
});

void test('the same seed on 2 threads gives the same bits twice', async () => {
  const batch = makeBatch(33);
  const a = await train(2, 2, batch);
  const b = await train(2, 2, batch);
  assert.deepEqual(a.outcomes, b.outcomes);
  assert.deepEqual(a.state, b.state);
});

void test('shards are contiguous, cover the batch, and the first ones take the remainder', () => {
  assert.deepEqual(
    [0, 1, 2].map((r) => shardOf(8, 3, r)),
    [
      { start: 0, size: 3 },
      { start: 3, size: 3 },
      { start: 6, size: 2 },
    ],
  );
  assert.deepEqual(shardOf(33, 2, 1), { start: 17, size: 16 });
});

void test('the uniform sampler gets a data-parallel stepper on 2 threads', async () => {
  const config = smallConfig({ sampler: { type: 'uniform' }, batchSize: 8 });
  const net = new Supernet(config.space, config.task, new Rng(0));
  const parts = { net, ...serialStepRunner(net, config.train) };
  const stepper = await openStepRunner(parts, config, 'wasm', 2);
  try {
    assert.equal(stepper.threads, 2);
  } finally {
    await stepper.close();
    parts.optimizer.dispose();
    net.dispose();
  }
});

void test('only steps with enough work are split: the reference net largest yes, the tiny example smallest no', () => {
  const example = (name: string) => {
    const file = path.resolve(__dirname, '../../../../../examples', name);
    return resolveConfig(fs.readFileSync(file, 'utf8')).config;
  };
  const subnet = (name: string, pick: typeof largestArch): SampledSubnet => {
    const c = example(name);
    const arch = pick(c.space, c.task);
    return { role: 'largest', arch, flops: subnetCost(c.space, c.task, arch).flops };
  };
  const reference = subnet('bench.supernet.yaml', largestArch);
  const tiny = subnet('tiny.supernet.yaml', smallestArch);
  assert.ok(worthSplitting(reference, 64), `${reference.flops} MACs`);
  assert.ok(!worthSplitting(tiny, 64), `${tiny.flops} MACs`);
  // The same work either way: fewer images of a bigger subnet.
  const at = { ...tiny, flops: DATA_PARALLEL_MIN_MACS / 32 };
  assert.ok(worthSplitting(at, 32));
  assert.ok(!worthSplitting(at, 31));
});
