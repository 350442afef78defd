import test, { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Arch } from '#shared/arch';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { readIdx } from '../../../../server/src/datasets/idx';
import { selectBackend } from '../../../../server/src/engine/backend/selectBackend';
import { initialSupernet } from '../../../../server/src/engine/model/supernet';
import {
  BASELINE_NAMES,
  baselines,
  type Baseline,
  type ProxyBatch,
} from '../../../../server/src/engine/ranking/baselines';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import { subnetCost } from '../../../../server/src/space/facts';

/**
 * The baselines on the ranking benchmark's reference space (examples/ranking.supernet.yaml)
 * at its initial weights, on 16 images of the bundled Fashion-MNIST subset.
 */

// Compiled to out/test/unit/engine/ranking/, five levels below the repository root.
const ROOT = path.resolve(__dirname, '../../../../..');
const config = resolveConfig(
  readFileSync(path.join(ROOT, 'examples', 'ranking.supernet.yaml'), 'utf8'),
).config;
const { space, task } = config;

function bundledBatch(n: number): ProxyBatch {
  const dir = path.join(ROOT, 'data', 'fashion-mnist-subset');
  const images = readIdx(path.join(dir, 't10k-images-idx3-ubyte.gz'), 'images').data;
  const labels = readIdx(path.join(dir, 't10k-labels-idx1-ubyte.gz'), 'labels').data;
  const [h, w, c] = task.input;
  const pixels = Float32Array.from(images.subarray(0, n * h * w * c), (v) => v / 255);
  return {
    x: tf.tensor4d(pixels, [n, h, w, c]),
    y: tf.tensor1d(Int32Array.from(labels.subarray(0, n)), 'int32'),
  };
}

const smallest = smallestArch(space, task);
const largest = largestArch(space, task);
/** The largest subnet with its stages at their smallest width: nested in the largest. */
const narrow: Arch = {
  ...largest,
  stages: largest.stages.map((s, i) => ({ ...s, width: Math.min(...space.stages[i].width) })),
};
const archs = [smallest, narrow, largest];
const valuesOf = (bs: Baseline[], name: Baseline['name']) =>
  bs.find((b) => b.name === name)!.values;

void describe('baselines on the reference space', () => {
  let batch: ProxyBatch;
  before(async () => {
    await selectBackend('wasm');
    batch = bundledBatch(16);
  });

  void test('one value of each baseline per subnet; FLOPs and params from the cost model', () => {
    const net = initialSupernet(config);
    try {
      const bs = baselines(net, archs, batch);
      assert.deepEqual(
        bs.map((b) => b.name),
        BASELINE_NAMES,
      );
      for (const b of bs) {
        assert.equal(b.values.length, archs.length);
        assert.ok(b.values.every(Number.isFinite), `${b.name}: ${b.values.join(', ')}`);
      }
      const costs = archs.map((a) => subnetCost(space, task, a));
      assert.deepEqual(
        valuesOf(bs, 'flops'),
        costs.map((c) => c.flops),
      );
      assert.deepEqual(
        valuesOf(bs, 'params'),
        costs.map((c) => c.params),
      );
      assert.deepEqual(
        baselines(net, archs, batch, ['synflow', 'params']).map((b) => b.name),
        ['synflow', 'params'],
      );
    } finally {
      net.dispose();
    }
  });

  void test('the same seed gives the same values; another seed other proxies', () => {
    const a = initialSupernet(config);
    const b = initialSupernet(config);
    const c = initialSupernet({ ...config, train: { ...config.train, seed: 1 } });
    try {
      const first = baselines(a, archs, batch);
      assert.deepEqual(baselines(b, archs, batch), first);
      const other = baselines(c, archs, batch);
      for (const name of ['naswot', 'synflow', 'gradNorm'] as const)
        assert.notDeepEqual(valuesOf(other, name), valuesOf(first, name), name);
    } finally {
      for (const net of [a, b, c]) net.dispose();
    }
  });

  void test('NASWOT and synflow rank the largest subnet above the smallest; synflow grows with width', () => {
    const net = initialSupernet(config);
    try {
      const bs = baselines(net, archs, batch, ['naswot', 'synflow']);
      const [naswot, synflow] = bs.map((b) => b.values);
      assert.ok(naswot[2] > naswot[0], `NASWOT ${naswot.join(', ')}`);
      assert.ok(synflow[2] > synflow[0], `synflow ${synflow.join(', ')}`);
      // The narrow subnet's paths are a subset of the largest's, each with the same weights.
      assert.ok(synflow[2] > synflow[1], `synflow ${synflow.join(', ')}`);
    } finally {
      net.dispose();
    }
  });

  void test('the supernet is left as it was, and no tensor is left behind', () => {
    const net = initialSupernet(config);
    try {
      const weights = () => net.namedVariables().map(([, v]) => Array.from(v.dataSync()));
      const before = weights();
      const tensors = tf.memory().numTensors;
      baselines(net, archs, batch);
      assert.equal(tf.memory().numTensors, tensors);
      assert.deepEqual(weights(), before);
    } finally {
      net.dispose();
    }
  });
});
