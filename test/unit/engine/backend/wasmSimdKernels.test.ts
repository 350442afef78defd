import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { ensureTfjsGradients } from '../../../../server/src/engine/backend/tfjsGradients';
import {
  registerWasmGradientKernels,
  WASM_SIMD_DEPTHWISE_KERNELS,
} from '../../../../server/src/engine/backend/wasmGradKernels';
import {
  bnInputGrad,
  bnNormalize,
  columnCentredSquares,
  columnDot,
  columnSum,
  relu6Grad,
} from '../../../../server/src/engine/backend/simdOps';
import { BN_BACKWARD } from '../../../../server/src/engine/backend/simdKernels';
import { batchNormTrain } from '../../../../server/src/engine/model/batchNorm';
import {
  assertGradientsMatchCpu,
  randomTensor,
  relativeError,
  useBackend,
  weightedSum,
  type HostTensor,
} from './backendParity';

/**
 * The SIMD depthwise and reduction kernels (backend/simdModule.ts) against the cpu
 * backend, on shapes the gradient-kernel tests do not reach: many channels, channel counts
 * that are not a multiple of the 4 SIMD lanes, even and large kernels, stride 3, whole
 * batch-norm layers.
 */

before(async () => {
  await ensureTfjsGradients();
  registerWasmGradientKernels();
  await useBackend('wasm');
});

async function valuesOn(
  backend: string,
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: HostTensor[],
): Promise<Float32Array> {
  await useBackend(backend);
  const xs = inputs.map((t) => tf.tensor(t.data, t.shape));
  const y = f(...xs);
  const data = (await y.data()) as Float32Array;
  tf.dispose([...xs, y]);
  return data;
}

async function assertValuesMatchCpu(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: HostTensor[],
  tolerance = 1e-5,
): Promise<void> {
  const wasm = await valuesOn('wasm', f, inputs);
  const cpu = await valuesOn('cpu', f, inputs);
  const err = relativeError(wasm, cpu);
  assert.ok(err <= tolerance, `relative error ${err.toExponential(2)}`);
}

let seed = 100;
const nextSeed = (): number => seed++;

void test('the SIMD kernels serve the depthwise convolution and both its gradients', () => {
  assert.deepEqual(WASM_SIMD_DEPTHWISE_KERNELS, [
    tf.DepthwiseConv2dNative,
    tf.DepthwiseConv2dNativeBackpropFilter,
    tf.DepthwiseConv2dNativeBackpropInput,
  ]);
  for (const name of WASM_SIMD_DEPTHWISE_KERNELS) {
    assert.equal(typeof tf.getKernel(name, 'wasm')?.kernelFunc, 'function', name);
  }
});

const cases: { size: [number, number]; channels: number; kernel: number; stride: number }[] = [
  { size: [14, 14], channels: 18, kernel: 7, stride: 2 },
  { size: [7, 9], channels: 36, kernel: 7, stride: 1 },
  { size: [10, 10], channels: 5, kernel: 4, stride: 1 },
  { size: [11, 8], channels: 9, kernel: 5, stride: 3 },
  { size: [6, 6], channels: 1, kernel: 3, stride: 2 },
  { size: [5, 5], channels: 4, kernel: 9, stride: 1 },
];

for (const c of cases) {
  const name = `${c.size.join('x')}x${c.channels} k${c.kernel} s${c.stride}`;
  void test(`depthwise forward and gradients match cpu: ${name}`, async () => {
    for (const pad of ['same', 'valid'] as const) {
      if (pad === 'valid' && c.kernel > Math.min(...c.size)) continue;
      const x = randomTensor([3, ...c.size, c.channels], nextSeed());
      const w = randomTensor([c.kernel, c.kernel, c.channels, 1], nextSeed());
      const conv = (a: tf.Tensor, b: tf.Tensor) =>
        tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, pad);
      await assertValuesMatchCpu(conv, [x, w]);
      const upstream = nextSeed();
      await assertGradientsMatchCpu(
        (a, b) => weightedSum(conv(a, b), upstream),
        [x, w],
        ['x', 'filter'],
      );
    }
  });
}

void test('column sums and dot products match cpu', async () => {
  for (const [rows, channels] of [
    [1000, 7],
    [257, 16],
    [1, 3],
  ]) {
    const a = randomTensor([rows, channels], nextSeed());
    const b = randomTensor([rows, channels], nextSeed());
    await assertValuesMatchCpu((x) => columnSum(x), [a]);
    await assertValuesMatchCpu((x, y) => columnDot(x, y), [a, b]);
    const mean = randomTensor([1, channels], nextSeed());
    await assertValuesMatchCpu((x, m) => columnCentredSquares(x, m), [a, mean]);
  }
});

void test('batch-norm normalisation and input gradient match cpu', async () => {
  for (const [rows, channels] of [
    [300, 13],
    [2, 8],
  ]) {
    const perChannel = () => randomTensor([channels], nextSeed());
    const x = randomTensor([rows, channels], nextSeed());
    const [mean, rstd, gamma, beta] = [perChannel(), perChannel(), perChannel(), perChannel()];
    gamma.data = gamma.data.map((v) => v * 20);
    for (const relu6 of [false, true]) {
      for (const part of ['xhat', 'y'] as const) {
        await assertValuesMatchCpu(
          (...t) => bnNormalize(t[0], t[1], t[2], t[3], t[4], relu6)[part],
          [x, mean, rstd, gamma, beta],
        );
      }
    }
    await assertValuesMatchCpu(
      (...t) => bnInputGrad(t[0], t[1], t[2], t[3], t[4]),
      [x, randomTensor([rows, channels], nextSeed()), perChannel(), perChannel(), perChannel()],
    );
  }
});

void test('the batch-norm input gradient runs the SIMD kernel, not the four-op fallback', async () => {
  // x̂ is [m, c] like dz: it once went through the per-channel check, so every call fell
  // back to four full-size tf ops while the values still matched cpu.
  await useBackend('wasm');
  const [rows, channels] = [40, 6];
  const t = (shape: number[]) => tf.tensor(randomTensor(shape, nextSeed()).data, shape);
  const inputs = [
    t([rows, channels]),
    t([rows, channels]),
    t([channels]),
    t([channels]),
    t([channels]),
  ];
  const info = await tf.profile(() =>
    bnInputGrad(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4]),
  );
  assert.deepEqual(
    info.kernels.map((k) => k.name),
    [BN_BACKWARD],
  );
  tf.dispose(inputs);
});

void test('Identity on wasm shares the data instead of copying it', async () => {
  await useBackend('wasm');
  const x = tf.tensor([1, 2, 3, 4], [2, 2]);
  const before = tf.backend().numDataIds();
  const y = tf.clone(x);
  assert.equal(tf.backend().numDataIds(), before);
  x.dispose();
  assert.deepEqual(Array.from(await y.data()), [1, 2, 3, 4]);
  y.dispose();
});

void test('the ReLU6 gradient matches cpu, blocking at exactly 0 and 6', async () => {
  for (const size of [1003, 8, 3]) {
    const dy = randomTensor([size], nextSeed());
    const y = randomTensor([size], nextSeed());
    // Outputs of ReLU6: clipped to [0, 6], with exact 0s and 6s among them.
    y.data = y.data.map((v) => Math.min(6, Math.max(0, v * 8 + 3)));
    y.data[0] = 0;
    y.data[size - 1] = 6;
    await assertValuesMatchCpu((a, b) => relu6Grad(a, b), [dy, y], 0);
    const out = await valuesOn('wasm', (a, b) => relu6Grad(a, b), [dy, y]);
    assert.equal(out[0], 0);
    assert.equal(out[size - 1], 0);
  }
});

for (const relu6 of [false, true]) {
  void test(`batch norm (relu6: ${relu6}) forward and gradients match cpu`, async () => {
    const inputs = [
      // Scaled and shifted so that ReLU6 clips at both ends.
      { ...randomTensor([4, 9, 7, 11], nextSeed()) },
      randomTensor([11], nextSeed()),
      randomTensor([11], nextSeed()),
    ];
    inputs[0].data = inputs[0].data.map((v) => v * 4 + 1);
    inputs[1].data = inputs[1].data.map((v) => v * 6 + 3);
    const bn = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      batchNormTrain(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, relu6);
    await assertValuesMatchCpu(bn, inputs);
    const upstream = nextSeed();
    await assertGradientsMatchCpu((x, g, b) => weightedSum(bn(x, g, b), upstream), inputs, [
      'x',
      'gamma',
      'beta',
    ]);
  });
}

void test('the SIMD kernels leave no tensors or buffers behind', async () => {
  await useBackend('wasm');
  const x = tf.tensor(randomTensor([2, 9, 9, 6], 11).data, [2, 9, 9, 6]);
  const w = tf.tensor(randomTensor([7, 7, 6, 1], 12).data, [7, 7, 6, 1]);
  // batchNormTrain is left out: its custom gradient keeps tensors for the backward pass
  // by design, which the engine's leak check would count.
  const loss = (x: tf.Tensor, w: tf.Tensor): tf.Scalar =>
    tf.sum(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'));
  const rows = tf.reshape(x, [-1, 6]);
  const run = () => tf.dispose([...tf.grads(loss)([x, w]), columnSum(rows), columnDot(rows, rows)]);
  run();
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.engine().backend.numDataIds();
  tf.env().set('IS_TEST', true);
  try {
    run();
  } finally {
    tf.env().set('IS_TEST', false);
  }
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.engine().backend.numDataIds(), buffersBefore);
  tf.dispose([x, w, rows]);
});
