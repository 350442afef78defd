import test, { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { SupernetConfig } from '../../../../server/src/config/configSchema';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import type { Arch } from '#shared/arch';
import { ensureTfjsGradients } from '../../../../server/src/engine/backend/tfjsGradients';
import { registerWasmGradientKernels } from '../../../../server/src/engine/backend/wasmGradKernels';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { Rng } from '#shared/rng';
import { serialStepRunner } from '../../../../server/src/engine/train/trainStep';
import type { SampledSubnet } from '../../../../server/src/engine/train/samplers/samplerTypes';
import { randomTensor, useBackend } from '../backend/backendParity';

/**
 * `train.weightDecayScope`: one SGD step without momentum (w ← w − lr·(g + wd·k·w)) from the
 * same weights, data and subnets, with and without weight decay, so that the decay each
 * element received, k, is read off the difference.
 */

const base = resolveConfig(`
task: { input: [12, 12, 1], classes: 5 }
space:
  resolution: [12]
  stem: { width: 8, kernel: 3, stride: 1 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [2, 4], stride: 2 }
  head: { width: 16 }
`).config;

const LR = 0.1;
const WD = 0.1;

const config = (scope: string, weightDecay: number): SupernetConfig => ({
  ...base,
  train: {
    ...base.train,
    optimizer: { ...base.train.optimizer, type: 'sgd', momentum: 0, lr: LR },
    weightDecay,
    weightDecayScope: scope,
  },
});

const largest = largestArch(base.space, base.task);
const smallest = smallestArch(base.space, base.task);
const sub = (role: SampledSubnet['role'], arch: Arch): SampledSubnet => ({ role, arch, flops: 0 });
/** A middle subnet: the largest's depth and widths, the smallest's kernels and expand ratios. */
const middle: Arch = {
  ...largest,
  stages: largest.stages.map((s) => ({
    ...s,
    blocks: s.blocks.map((b) => ({ ...b, kernel: 3, expand: 2 })),
  })),
};

interface After {
  /** Every parameter after the step, by stable name. */
  weights: Map<string, Float32Array>;
  kinds: Map<string, string>;
  /** The weights before it. */
  initial: Map<string, Float32Array>;
}

function step(scope: string, weightDecay: number, subnets: SampledSubnet[]): After {
  const c = config(scope, weightDecay);
  const net = new Supernet(c.space, c.task, new Rng(4));
  const { optimizer, runner } = serialStepRunner(net, c.train);
  const read = () =>
    new Map(net.parameters().map((p) => [p.name, (p.variable.dataSync() as Float32Array).slice()]));
  const initial = read();
  const x = randomTensor([6, 12, 12, 1], 9);
  const images = tf.tensor4d(x.data, [6, 12, 12, 1]);
  const labels = tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32');
  try {
    runner.run(subnets, images, labels, {
      distillation: false,
      lr: LR,
      wantFeedback: false,
      wantErrorNorms: false,
    });
    return {
      weights: read(),
      kinds: new Map(net.parameters().map((p) => [p.name, p.kind])),
      initial,
    };
  } finally {
    tf.dispose([images, labels]);
    optimizer.dispose();
    net.dispose();
  }
}

const sameBits = (a: After, b: After, names: (name: string) => boolean, what: string) => {
  let compared = 0;
  for (const [name, w] of a.weights) {
    if (!names(name)) continue;
    assert.deepEqual(w, b.weights.get(name), `${what}: ${name}`);
    compared++;
  }
  assert.ok(compared > 0, `${what}: nothing compared`);
};

const differs = (a: After, b: After, name: string) =>
  a.weights.get(name)!.some((v, i) => v !== b.weights.get(name)![i]);

/** k per element of `name`: (w without decay − w with it) / (lr · wd · w before). */
function decayCounts(without: After, withDecay: After, name: string): number[] {
  const w0 = without.initial.get(name)!;
  const a = without.weights.get(name)!;
  const b = withDecay.weights.get(name)!;
  return Array.from(w0, (w, i) => (Math.abs(w) < 1e-2 ? NaN : (a[i] - b[i]) / (LR * WD * w)));
}

before(async () => {
  await ensureTfjsGradients();
  registerWasmGradientKernels();
  await useBackend('wasm');
});

void describe('weightDecayScope', () => {
  const all = () => true;
  const kernels = (a: After) => (name: string) =>
    a.kinds.get(name) === 'kernel' || a.kinds.get(name) === 'linear-weight';

  void test('largest: a step without the largest subnet moves every weight as without decay', () => {
    const subnets = [sub('smallest', smallest), sub('random', middle)];
    const none = step('step', 0, subnets);
    const largestOnly = step('largest', WD, subnets);
    sameBits(largestOnly, none, all, 'largest scope, no largest subnet');
    // The engine's default decays them: the scope is what made the difference.
    const perStep = step('step', WD, subnets);
    assert.ok(differs(perStep, none, 'stage1.block1.expand.kernel'));
  });

  void test('largest: a step that trains the largest subnet decays every weight once, as step', () => {
    const subnets = [sub('largest', largest), sub('smallest', smallest)];
    const perStep = step('step', WD, subnets);
    const largestOnly = step('largest', WD, subnets);
    sameBits(largestOnly, perStep, all, 'largest scope with the largest subnet');
    const none = step('step', 0, subnets);
    for (const name of ['stage1.block1.expand.kernel', 'classifier.weight']) {
      const k = decayCounts(none, largestOnly, name).filter((v) => !Number.isNaN(v));
      assert.ok(
        k.length > 0 && k.every((v) => Math.abs(v - 1) < 1e-3),
        `${name}: ${k.slice(0, 4)}`,
      );
    }
  });

  void test('the largest is found by its arch, whatever its role', () => {
    const subnets = [sub('random', largest), sub('smallest', smallest)];
    sameBits(
      step('largest', WD, subnets),
      step('step', WD, subnets),
      all,
      'largest drawn at random',
    );
  });

  void test('never on batch norm or biases, whatever the scope', () => {
    const subnets = [sub('largest', largest), sub('smallest', smallest)];
    const none = step('step', 0, subnets);
    for (const scope of ['step', 'largest', 'each-subnet']) {
      const decayed = step(scope, WD, subnets);
      sameBits(decayed, none, (n) => !kernels(decayed)(n), `${scope}: batch norm and biases`);
      assert.ok(differs(decayed, none, 'stage1.block1.project.kernel'), `${scope} decays kernels`);
    }
  });

  void test('each-subnet: an element decays once per subnet of the step that reads it', () => {
    const subnets = [sub('largest', largest), sub('smallest', smallest), sub('random', middle)];
    const none = step('step', 0, subnets);
    const each = step('each-subnet', WD, subnets);
    // Expand of block 1: [1, 1, 8, 32]; the smallest and the middle subnet read its first
    // 8 × 2 = 16 output channels, the largest all 32.
    const expand = decayCounts(none, each, 'stage1.block1.expand.kernel');
    expand.forEach((k, i) => {
      if (Number.isNaN(k)) return;
      const want = i % 32 < 16 ? 3 : 1;
      assert.ok(Math.abs(k - want) < 1e-3, `expand element ${i}: ${k}, want ${want}`);
    });
    // Depthwise of block 1: [5, 5, 32, 1]; the smallest and the middle subnet read the 3×3
    // centre of its first 16 channels, the largest all of it.
    const dw = decayCounts(none, each, 'stage1.block1.depthwise.kernel');
    dw.forEach((k, i) => {
      if (Number.isNaN(k)) return;
      const [r, c, ch] = [Math.floor(i / (5 * 32)), Math.floor(i / 32) % 5, i % 32];
      const centre = r >= 1 && r <= 3 && c >= 1 && c <= 3;
      const want = ch < 16 && centre ? 3 : 1;
      assert.ok(Math.abs(k - want) < 1e-3, `depthwise [${r}, ${c}, ${ch}]: ${k}, want ${want}`);
    });
    const head = decayCounts(none, each, 'classifier.weight').filter((v) => !Number.isNaN(v));
    assert.ok(
      head.every((v) => Math.abs(v - 3) < 1e-3),
      'every subnet reads the classifier',
    );
  });
});
