import test, { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { TrainConfig } from '../../../../server/src/config/configSchema';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import { ensureTfjsGradients } from '../../../../server/src/engine/backend/tfjsGradients';
import { registerWasmGradientKernels } from '../../../../server/src/engine/backend/wasmGradKernels';
import {
  sortExpandedChannels,
  type ChannelOrder,
} from '../../../../server/src/engine/model/channelSorting';
import { parseCheckpointHeader } from '../../../../server/src/engine/train/checkpointHeader';
import { channelSortDue } from '../../../../server/src/engine/train/channelSortSchedule';
import { ProgressiveShrinking } from '../../../../server/src/engine/train/samplers/progressiveShrinking';
import { samplerSpace } from '../../../../server/src/engine/train/samplers/samplerSpace';
import type {
  Sampler,
  SampledSubnet,
} from '../../../../server/src/engine/train/samplers/samplerTypes';
import { Trainer } from '../../../../server/src/engine/train/trainer';
import { useBackend } from '../backend/backendParity';
import { bundledBatch } from '../model/fixtures';
import { smallConfig } from './fixtures';

type Patch = Parameters<typeof smallConfig>[0];
const train = (patch: Patch): TrainConfig => smallConfig(patch).train;
const length = { totalSteps: 100, stepsPerEpoch: 10 };
const dueSteps = (t: TrainConfig, l = length) =>
  Array.from({ length: l.totalSteps }, (_, s) => s).filter((s) => channelSortDue(s, l, t));

void describe('when channels are sorted (channelSortDue)', () => {
  void test('shrinking: once, at the step where progressive shrinking makes widths elastic', () => {
    const t = train({
      progressiveShrinking: [0.1, 0.3, 0.5],
      channelSorting: { when: 'shrinking', everyEpochs: 1 },
    });
    assert.deepEqual(dueSteps(t), [50]);
  });

  void test('the step is the first the sampler trains narrower expand ratios at', () => {
    // 0.3 × 10 is 3.0000000000000004 in floats; the samplers compare 3 / 10 ≥ 0.3: step 3.
    const t = train({
      progressiveShrinking: [0, 0, 0.3],
      channelSorting: { when: 'shrinking', everyEpochs: 1 },
    });
    const l = { totalSteps: 10, stepsPerEpoch: 5 };
    assert.deepEqual(dueSteps(t, l), [3]);
    const never: Sampler = {
      sample: () => [],
      observe: () => undefined,
      probabilities: () => ({}),
      state: () => ({}),
      restore: () => undefined,
      epochEnd: () => undefined,
    };
    const ps = new ProgressiveShrinking(never, samplerSpace(smallConfig()), [0, 0, 0.3]);
    assert.equal(ps.elastic(2 / 10)?.has('expand'), false);
    assert.equal(ps.elastic(3 / 10)?.has('expand'), true);
  });

  void test('delayed shrinking: at its end; the later of the two when both are set', () => {
    const sorting = { when: 'shrinking' as const, everyEpochs: 1 };
    assert.deepEqual(dueSteps(train({ delayedShrinking: 0.25, channelSorting: sorting })), [25]);
    const both = train({
      delayedShrinking: 0.6,
      progressiveShrinking: [0.1, 0.3, 0.5],
      channelSorting: sorting,
    });
    assert.deepEqual(dueSteps(both), [60]);
  });

  void test('periodic: that step, then every everyEpochs; never at step 0', () => {
    const sorting = { when: 'periodic' as const, everyEpochs: 2 };
    const t = train({ progressiveShrinking: [0.1, 0.3, 0.5], channelSorting: sorting });
    assert.deepEqual(dueSteps(t), [50, 70, 90]);
    assert.deepEqual(dueSteps(train({ channelSorting: sorting })), [20, 40, 60, 80]);
  });

  void test('off by default, and shrinking without shrinking never sorts', () => {
    assert.deepEqual(dueSteps(train({ progressiveShrinking: [0.1, 0.3, 0.5] })), []);
    assert.deepEqual(
      dueSteps(train({ channelSorting: { when: 'shrinking', everyEpochs: 1 } })),
      [],
    );
  });
});

const sub = (role: SampledSubnet['role'], arch: SampledSubnet['arch']): SampledSubnet => ({
  role,
  arch,
  flops: 0,
});

void describe('sorting during training: the optimizer slots and checkpoints', () => {
  let x: tf.Tensor4D;
  let y: tf.Tensor1D;
  before(async () => {
    await ensureTfjsGradients();
    registerWasmGradientKernels();
    await useBackend('wasm');
    ({ x, y } = bundledBatch(16));
  });

  const config = (optimizer: 'sgd' | 'adam') => {
    const c = smallConfig({ weightDecay: 1e-3 });
    return { ...c, train: { ...c.train, optimizer: { ...c.train.optimizer, type: optimizer } } };
  };
  const largest = () => largestArch(config('sgd').space, config('sgd').task);
  const smallest = () => smallestArch(config('sgd').space, config('sgd').task);
  const stepOn = (t: Trainer, subnets: SampledSubnet[]) =>
    t.runner.run(subnets, x, y, {
      distillation: false,
      lr: 0.05,
      wantFeedback: false,
      wantErrorNorms: false,
    });
  /** Two steps of a sandwich, so that every slot holds something. */
  const warmed = (optimizer: 'sgd' | 'adam') => {
    const t = new Trainer(config(optimizer), 1000);
    for (let i = 0; i < 2; i++) stepOn(t, [sub('largest', largest()), sub('smallest', smallest())]);
    return t;
  };
  const state = (t: Trainer) =>
    new Map(t.stateTensors().map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
  /** `orders` applied to a trainer's weights, statistics and slots by name. */
  const reorder = (t: Trainer, orders: ChannelOrder[]) => {
    const vars = new Map(t.net.namedVariables());
    for (const { name, axis, order } of orders)
      tf.tidy(() => vars.get(name)!.assign(tf.gather(vars.get(name)!, Array.from(order), axis)));
    t.optimizer.permute(orders);
  };
  const worstDiff = (
    a: Map<string, Float32Array>,
    b: Map<string, Float32Array>,
    only: (name: string) => boolean = () => true,
  ) => {
    let worst = { name: '', diff: 0 };
    for (const [name, va] of a) {
      if (!only(name)) continue;
      const vb = b.get(name)!;
      const diff = va.reduce((m, v, i) => Math.max(m, Math.abs(v - vb[i])), 0);
      if (diff > worst.diff) worst = { name, diff };
    }
    return worst;
  };

  for (const optimizer of ['sgd', 'adam'] as const) {
    void test(`${optimizer}: a step after sorting equals the step before it, reordered`, () => {
      const sorted = warmed(optimizer);
      const plain = warmed(optimizer);
      const orders = sorted.sortChannels();
      assert.ok(
        orders.some((o) => o.axis === 3),
        'some expand kernel was reordered',
      );
      stepOn(sorted, [sub('largest', largest())]);
      stepOn(plain, [sub('largest', largest())]);
      reorder(plain, orders);
      // The reordered weights and their slots (opt.<name>.<i>). Adam's other weights include
      // batch-norm shifts whose true gradient is 0 (a training-mode batch norm follows them
      // through linear layers only): Adam scales their rounding noise up to steps of lr, in
      // any order of the sums, so only SGD is compared on everything.
      const reordered = new Set(orders.map((o) => o.name));
      const touched = (name: string) => reordered.has(name.replace(/^opt\.(.*)\.\d+$/, '$1'));
      const only = optimizer === 'sgd' ? () => true : touched;
      const worst = worstDiff(state(sorted), state(plain), only);
      assert.ok(worst.diff < 1e-5, `${worst.name}: ${worst.diff}`);
      // Sorting the weights but not the slots moves the next step elsewhere.
      const stale = warmed(optimizer);
      sortExpandedChannels(stale.net);
      stepOn(stale, [sub('largest', largest())]);
      const off = worstDiff(state(stale), state(plain), touched);
      assert.ok(off.diff > 1e-4, `stale slots: ${off.name} ${off.diff}`);
      for (const t of [sorted, plain, stale]) t.dispose();
    });
  }

  void test('a run resumed after a sort continues bit for bit: no state beyond the tensors', () => {
    const run = warmed('sgd');
    run.sortChannels();
    stepOn(run, [sub('largest', largest()), sub('smallest', smallest())]);
    const header = parseCheckpointHeader('test', {
      version: 1,
      runId: 'r',
      step: 3,
      totalSteps: 10,
      spaceKey: 'k',
      backend: 'wasm',
      ...run.headerState(),
      elapsedSeconds: 0,
    });
    const resumed = new Trainer(config('sgd'), 1000);
    resumed.restore(header, run.tensorRecords(), 'the test checkpoint');
    for (const t of [run, resumed])
      stepOn(t, [sub('largest', largest()), sub('smallest', smallest())]);
    const a = state(run);
    for (const [name, v] of state(resumed)) assert.deepEqual(v, a.get(name), name);
    run.dispose();
    resumed.dispose();
  });
});
