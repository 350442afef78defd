import test, { describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { onnx } from 'onnx-proto';
import * as ort from '../../../../server/src/engine/onnx/runtime';
import { encodeModel } from '../../../../server/src/engine/onnx/onnxGraph';
import { subnetOnnxModel } from '../../../../server/src/engine/onnx/subnetModel';
import {
  activationQuantisation,
  quantiseBias,
  quantiseModel,
  quantisedActivations,
  quantiseWeights,
} from '../../../../server/src/engine/quantize/qdqGraph';
import { Histogram, observeMinMax } from '../../../../server/src/engine/quantize/rangeObservers';
import { quantiseStatic } from '../../../../server/src/engine/quantize/staticInt8';
import { compareModels } from '../../../../server/src/engine/export/compareOnnx';
import { profileKernels } from '../../../../server/src/engine/export/kernelProfile';
import { archKey, type Arch } from '#shared/arch';
import { Rng } from '#shared/rng';
import type { Supernet } from '../../../../server/src/engine/model/supernet';
import { archsOf, elastic, makeNet, randomImages } from '../export/fixtures';

const T = onnx.TensorProto.DataType;

/** The elastic fixture's net with its batch norm recalibrated for `arch`, as float ONNX. */
function floatModel(net: Supernet, arch: Arch, rng: Rng): onnx.ModelProto {
  const [h, w, c] = elastic.task.input;
  const calib = tf.tensor4d(randomImages(elastic, 16, rng), [16, h, w, c]);
  net.calibrate(arch, [calib]);
  calib.dispose();
  return subnetOnnxModel(net, arch);
}

/** A model's graph with its repeated fields as arrays (onnx-proto types them optional). */
const graphOf = (m: onnx.IModelProto) => m.graph as onnx.GraphProto;
const nodesOf = (m: onnx.IModelProto) => graphOf(m).node as onnx.NodeProto[];

/** NCHW batches of random images of the elastic task. */
function batches(count: number, size: number, rng: Rng): Float32Array[] {
  const [h, w, c] = elastic.task.input;
  return Array.from({ length: count }, () =>
    new Float32Array(size * c * h * w).map(() => rng.next()),
  );
}

const image = (): [number, number, number] => {
  const [h, w, c] = elastic.task.input;
  return [c, h, w];
};

void describe('int8 quantisation (QDQ)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  void test('weights: symmetric int8 per output channel, the largest magnitude at ±127', () => {
    // Two channels of three values (channel = i / 3), the second all zeros.
    const w = Float32Array.of(0.5, -1.27, 0.01, 0, 0, 0);
    const q = quantiseWeights(w, 2, (i) => Math.floor(i / 3));
    assert.deepEqual([...q.scales], [Math.fround(1.27 / 127), 1]);
    assert.deepEqual([...q.values], [50, -127, 1, 0, 0, 0]);
    // The bias at input scale × weight scale, rounded.
    const b = quantiseBias(Float32Array.of(0.1, -2), 0.5, q.scales);
    assert.deepEqual([...b.scales], [Math.fround(0.5 * Math.fround(1.27 / 127)), 0.5]);
    assert.deepEqual([...b.values], [Math.round(0.1 / b.scales[0]), -4]);
  });

  void test('activations: uint8 over a range widened to hold 0; ReLU6 gets zero point 0', () => {
    assert.deepEqual(activationQuantisation({ min: 0, max: 6 }), {
      scale: Math.fround(6 / 255),
      zeroPoint: 0,
    });
    const signed = activationQuantisation({ min: -1, max: 3 });
    assert.equal(signed.scale, Math.fround(4 / 255));
    assert.equal(signed.zeroPoint, Math.round(1 / signed.scale));
    // Only positive values: 0 is still exact.
    assert.equal(activationQuantisation({ min: 2, max: 4 }).zeroPoint, 0);
    // One value: scale 1.
    assert.deepEqual(activationQuantisation({ min: 0, max: 0 }), { scale: 1, zeroPoint: 0 });
    assert.throws(() => activationQuantisation({ min: NaN, max: 1 }), /Not a range/);
  });

  void test('the percentile range drops rare outliers that min–max keeps', () => {
    const values = new Float32Array(100_000).map((_, i) => (i % 1000) / 1000);
    values[7] = 50; // one outlier in 100,000
    const range = observeMinMax(values, undefined);
    assert.deepEqual(range, { min: 0, max: 50 });
    const hist = new Histogram(range);
    hist.add(values);
    const clipped = hist.quantileRange(0.9999);
    assert.equal(clipped.min, 0);
    assert.ok(clipped.max >= 0.999 && clipped.max < 1.05, `top ${clipped.max}`);
    // Everything kept: the whole range.
    assert.deepEqual(hist.quantileRange(1), range);
    assert.throws(() => observeMinMax(Float32Array.of(1, NaN), undefined), /NaN/);
  });

  void test('every Conv and the Gemm read dequantised int8 weights, int32 biases and a quantised input, and feed a QuantizeLinear', async () => {
    const rng = new Rng(4);
    const net = makeNet(elastic, 7);
    // The first arch runs at the input's resolution, the second resizes first.
    for (const arch of archsOf(elastic, 1)) {
      const float = floatModel(net, arch, rng);
      const { model } = await quantiseStatic(
        float,
        { image: image(), batches: batches(2, 8, rng) },
        'minmax',
      );
      const nodes = nodesOf(model);
      const producer = new Map(nodes.flatMap((n) => n.output.map((o) => [o, n] as const)));
      const readers = (t: string) => nodes.filter((n) => n.input.includes(t));
      const init = new Map(
        (graphOf(model).initializer as onnx.TensorProto[]).map((t) => [t.name, t]),
      );
      const dequantisedFrom = (t: string, type: onnx.TensorProto.DataType) => {
        const dq = producer.get(t);
        assert.ok(dq?.opType === 'DequantizeLinear', `${t} is not dequantised`);
        const source = dq.input[0];
        const q = init.get(source) ?? producer.get(source);
        if (type === T.UINT8) {
          assert.equal((q as onnx.NodeProto).opType, 'QuantizeLinear', `${t} is not quantised`);
        } else {
          assert.equal((q as onnx.TensorProto).dataType, type, `${source}'s type`);
        }
        return dq;
      };
      const floatConvs = nodesOf(float).filter((n) => n.opType === 'Conv');
      const convs = nodes.filter((n) => n.opType === 'Conv' || n.opType === 'Gemm');
      assert.equal(convs.length, floatConvs.length + 1, archKey(arch));
      for (const n of convs) {
        dequantisedFrom(n.input[0], T.UINT8);
        const w = dequantisedFrom(n.input[1], T.INT8);
        const channels = n.opType === 'Conv' ? Number(init.get(w.input[0])?.dims[0]) : 10;
        assert.equal(Number(init.get(w.input[1])?.dims[0]), channels, `${n.name}: per channel`);
        assert.equal(
          Number(w.attribute.find((a) => a.name === 'axis')?.i),
          n.opType === 'Conv' ? 0 : 1,
        );
        dequantisedFrom(n.input[2], T.INT32);
        if (n.opType === 'Gemm') continue; // the logits stay float
        // The output is quantised, directly or after its ReLU6.
        const next = readers(n.output[0]);
        assert.equal(next.length, 1, n.name);
        const q = next[0].opType === 'Clip' ? readers(next[0].output[0])[0] : next[0];
        assert.equal(q?.opType, 'QuantizeLinear', `${n.name} → ${next[0].opType}`);
      }
      // No float weight is left, and each quantised tensor has one pair.
      assert.ok(!graphOf(model).initializer.some((t) => /\.weight$/.test(t.name ?? '')));
      const pairs = nodes.filter((n) => n.opType === 'QuantizeLinear').length;
      assert.equal(pairs, quantisedActivations(float).length);
    }
    net.dispose();
  });

  void test('onnxruntime runs the int8 model on its integer kernels and agrees with float', async () => {
    const rng = new Rng(9);
    const net = makeNet(elastic, 3);
    const [arch] = archsOf(elastic, 0);
    const float = floatModel(net, arch, rng);
    const calibration = { image: image(), batches: batches(2, 16, rng) };
    const { model } = await quantiseStatic(float, calibration, 'percentile');
    const bytes = encodeModel(model);
    // Labels: the float model's own classes, so the accuracies are agreements with it.
    const images = batches(1, 64, rng)[0];
    const session = await ort.InferenceSession.create(encodeModel(float));
    const out = await session.run({ images: new ort.Tensor('float32', images, [64, ...image()]) });
    const logits = out.logits.data as Float32Array;
    await session.release();
    const labels = Array.from({ length: 64 }, (_, i) => {
      const row = [...logits.subarray(i * 10, i * 10 + 10)];
      return row.indexOf(Math.max(...row));
    });
    const spread = Math.max(...logits) - Math.min(...logits);
    const cmp = await compareModels(encodeModel(float), bytes, images, image(), labels, 16);
    assert.equal(cmp.referenceAccuracy, 1);
    assert.ok(cmp.agreement >= 0.9, `agreement ${cmp.agreement}`);
    assert.ok(cmp.maxAbsDiff < 0.1 * spread, `max |Δ| ${cmp.maxAbsDiff} of a spread ${spread}`);
    // onnxruntime's own profile: every Conv ran as QLinearConv, no float Conv or Gemm ran.
    const kernels = await profileKernels(bytes, {
      name: 'images',
      data: images.slice(
        0,
        image().reduce((a, b) => a * b),
      ),
      dims: [1, ...image()],
    });
    const convs = nodesOf(float).filter((n) => n.opType === 'Conv').length;
    assert.equal(kernels.get('QLinearConv')?.nodes, convs, JSON.stringify([...kernels]));
    for (const op of ['Conv', 'Gemm', 'DequantizeLinear']) assert.ok(!kernels.has(op), op);
    assert.equal(kernels.get('QGemm')?.nodes, 1);
    net.dispose();
  });

  void test('calibration is deterministic: the same model and images give the same bytes', async () => {
    const net = makeNet(elastic, 5);
    const arch = archsOf(elastic, 1)[2];
    const float = floatModel(net, arch, new Rng(1));
    for (const method of ['minmax', 'percentile'] as const) {
      const runs = [];
      for (let i = 0; i < 2; i++) {
        const calibration = { image: image(), batches: batches(2, 8, new Rng(2)) };
        runs.push(encodeModel((await quantiseStatic(float, calibration, method)).model));
      }
      assert.deepEqual(runs[0], runs[1], method);
    }
    // Other images, other ranges.
    const other = await quantiseStatic(
      float,
      { image: image(), batches: batches(2, 8, new Rng(3)) },
      'minmax',
    );
    const first = await quantiseStatic(
      float,
      { image: image(), batches: batches(2, 8, new Rng(2)) },
      'minmax',
    );
    assert.notDeepEqual(encodeModel(other.model), encodeModel(first.model));
    assert.equal(first.images, 16);
    net.dispose();
  });

  void test('a tensor without a calibrated range is refused', () => {
    const net = makeNet(elastic, 5);
    const float = floatModel(net, archsOf(elastic, 0)[1], new Rng(1));
    const ranges = new Map(quantisedActivations(float).map((t) => [t, { min: 0, max: 1 }]));
    ranges.delete([...ranges.keys()][2]);
    assert.throws(() => quantiseModel(float, ranges), /No calibrated range for tensor/);
    net.dispose();
  });
});
