// Batch-norm recalibration in one graph call (onnxGraph.ts buildCalibrationModel): a Scan
// over the calibration batches gives every batch the statistics it gets when run alone.
import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from '../../../../server/src/engine/onnx/runtime';
import {
  CALIBRATION_INPUT,
  batchMeanName,
  batchVarianceName,
  buildCalibrationModel,
  buildOnnxModel,
  encodeModel,
} from '../../../../server/src/engine/onnx/onnxGraph';
import { calibrationRuns } from '../../../../server/src/engine/onnx/onnxEvaluate';
import { weightsOf } from '../../../../server/src/engine/evaluate/evaluateOnnx';
import { Rng } from '#shared/rng';
import { archsOf, elastic, makeNet, randomImages } from '../export/fixtures';

before(async () => {
  await tf.setBackend('cpu');
});

void test('calibration batches run together while they have one size', () => {
  assert.deepEqual(calibrationRuns(Array<number>(10).fill(64)), [
    { from: 0, batches: 10, batchSize: 64 },
  ]);
  assert.deepEqual(calibrationRuns([40, 40, 30, 40]), [
    { from: 0, batches: 2, batchSize: 40 },
    { from: 2, batches: 1, batchSize: 30 },
    { from: 3, batches: 1, batchSize: 40 },
  ]);
  assert.deepEqual(calibrationRuns([]), []);
});

void test('one Scan call gives each batch the statistics of running it alone', async () => {
  const net = makeNet(elastic, 2);
  const rng = new Rng(5);
  const [h, w, c] = elastic.task.input;
  const batches = 3;
  const size = 8;
  // NCHW images; batches differ (offsets), so a pooled mean would not match any of them.
  const images = randomImages(elastic, batches * size, rng);
  for (let b = 0; b < batches; b++)
    for (let i = b * size * h * w * c; i < (b + 1) * size * h * w * c; i++) images[i] += b;
  const options = { intraOpNumThreads: 1, graphOptimizationLevel: 'all' as const };
  try {
    for (const arch of archsOf(elastic, 2)) {
      const weights = weightsOf(net, arch);
      const model = buildCalibrationModel(weights, { input: elastic.task.input });
      assert.deepEqual(
        model.graph!.node!.map((n) => n.opType),
        ['Scan'],
      );
      // The body ends at the last statistics: one training-mode batch norm per convolution,
      // nothing of the classifier.
      const body = model.graph!.node![0].attribute!.find((a) => a.name === 'body')!.g!;
      const ops = body.node!.map((n) => n.opType);
      assert.equal(
        ops.filter((o) => o === 'BatchNormalization').length,
        ops.filter((o) => o === 'Conv').length,
      );
      for (const op of ['GlobalAveragePool', 'Flatten', 'Gemm']) assert.ok(!ops.includes(op), op);
      const scan = await ort.InferenceSession.create(encodeModel(model), options);
      const alone = await ort.InferenceSession.create(
        encodeModel(buildOnnxModel(weights, { input: elastic.task.input, batchStatistics: true })),
        options,
      );
      const together = await scan.run({
        [CALIBRATION_INPUT]: new ort.Tensor('float32', images, [batches, size, c, h, w]),
      });
      const per = h * w * c * size;
      for (let b = 0; b < batches; b++) {
        const one = await alone.run({
          [alone.inputNames[0]]: new ort.Tensor('float32', images.slice(b * per, (b + 1) * per), [
            size,
            c,
            h,
            w,
          ]),
        });
        for (const layer of weights.convs.keys())
          for (const name of [batchMeanName(layer), batchVarianceName(layer)]) {
            const expected = one[name].data as Float32Array;
            const stacked = together[name];
            assert.deepEqual(stacked.dims, [batches, expected.length]);
            const row = (stacked.data as Float32Array).subarray(
              b * expected.length,
              (b + 1) * expected.length,
            );
            for (let i = 0; i < expected.length; i++)
              assert.ok(
                Math.abs(row[i] - expected[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])),
                `${name}[${i}] of batch ${b}: ${row[i]} alone ${expected[i]}`,
              );
          }
      }
      await scan.release();
      await alone.release();
    }
  } finally {
    net.dispose();
  }
});
