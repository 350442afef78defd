import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { archKey } from '#shared/arch';
import { selectBackend } from '../../../../server/src/engine/backend/selectBackend';
import type { TrainingData } from '../../../../server/src/engine/data/batches';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { Rng } from '#shared/rng';
import {
  calibrationIndices,
  evaluateSubnet,
} from '../../../../server/src/engine/evaluate/evaluate';
import { evaluateSubnetOnnx } from '../../../../server/src/engine/evaluate/evaluateOnnx';
import { archsOf, elastic } from '../export/fixtures';

/**
 * Evaluation in onnxruntime (what search uses) against evaluation in tfjs: the same
 * recalibrated statistics, the same accuracy, the same loss to float rounding, on subnets
 * with elastic resolution (the graph's Resize), kernels 3/5/7, residual blocks.
 */

before(async () => {
  await selectBackend('wasm');
});

function syntheticData(count: number, train: number): TrainingData {
  const rng = new Rng(11);
  const [h, w, c] = elastic.task.input;
  return {
    images: Float32Array.from({ length: count * h * w * c }, () => rng.next()),
    labels: Int32Array.from({ length: count }, () => rng.int(elastic.task.classes)),
    height: h,
    width: w,
    channels: c,
    trainIndices: Int32Array.from({ length: train }, (_, i) => i),
    validationIndices: Int32Array.from({ length: count - train }, (_, i) => train + i),
  };
}

const statistics = (net: Supernet): Float32Array[] =>
  [...net.convs.values()].flatMap((c) => [
    c.mean.dataSync() as Float32Array,
    c.variance.dataSync() as Float32Array,
  ]);

/** Largest |a − b| / max(1, |b|): means of zero-mean layers are float noise around 0. */
const maxRelDiff = (a: Float32Array[], b: Float32Array[]): number => {
  let worst = 0;
  a.forEach((x, i) =>
    x.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - b[i][j]) / Math.max(1, Math.abs(b[i][j])));
    }),
  );
  return worst;
};

void test('onnxruntime evaluation equals tfjs evaluation', async () => {
  const net = new Supernet(elastic.space, elastic.task, new Rng(0));
  const data = syntheticData(360, 160);
  const calibration = calibrationIndices(data, 3, 40);
  try {
    for (const arch of archsOf(elastic, 3)) {
      const key = archKey(arch);
      const slow = evaluateSubnet(net, arch, data, calibration);
      const slowStats = statistics(net);
      const fast = await evaluateSubnetOnnx(net, arch, data, calibration, { threads: 2 });
      const fastStats = statistics(net);
      assert.equal(fast.images, slow.images);
      assert.equal(fast.accuracy, slow.accuracy, `${key}: accuracy`);
      assert.ok(
        Math.abs(fast.loss - slow.loss) < 1e-4 * Math.max(1, slow.loss),
        `${key}: loss ${fast.loss} vs ${slow.loss}`,
      );
      const diff = maxRelDiff(fastStats, slowStats);
      assert.ok(diff < 1e-5, `${key}: running statistics differ by ${diff}`);
    }
  } finally {
    net.dispose();
  }
  assert.equal(tf.getBackend(), 'wasm');
});

void test('onnxruntime evaluation is deterministic', async () => {
  const net = new Supernet(elastic.space, elastic.task, new Rng(1));
  const data = syntheticData(300, 100);
  const calibration = calibrationIndices(data, 2, 50);
  try {
    const [arch] = archsOf(elastic, 0);
    const a = await evaluateSubnetOnnx(net, arch, data, calibration);
    const b = await evaluateSubnetOnnx(net, arch, data, calibration);
    assert.deepEqual(a, b);
  } finally {
    net.dispose();
  }
});
