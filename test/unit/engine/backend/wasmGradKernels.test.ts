import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { ensureTfjsGradients } from '../../../../server/src/engine/backend/tfjsGradients';
import {
  registerWasmGradientKernels,
  WASM_GRADIENT_KERNELS,
} from '../../../../server/src/engine/backend/wasmGradKernels';
import {
  assertGradientsMatchCpu,
  randomTensor,
  useBackend,
  weightedSum,
  type HostTensor,
} from './backendParity';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface ConvCase {
  size: number;
  kernel: number;
  stride: number;
  pad: Pad;
}

before(async () => {
  await ensureTfjsGradients();
  registerWasmGradientKernels();
  await useBackend('wasm');
});

function convCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const size of [9, 8]) {
    for (const stride of [1, 2]) {
      for (const kernel of [1, 3, 5, 7]) cases.push({ size, kernel, stride, pad: 'same' });
    }
  }
  cases.push(
    { size: 8, kernel: 3, stride: 2, pad: 'valid' },
    { size: 9, kernel: 5, stride: 1, pad: 'valid' },
    { size: 8, kernel: 1, stride: 2, pad: 'valid' },
    { size: 9, kernel: 3, stride: 2, pad: 1 },
    {
      size: 8,
      kernel: 3,
      stride: 1,
      pad: [
        [0, 0],
        [2, 0],
        [0, 1],
        [0, 0],
      ],
    },
  );
  return cases;
}

const describe = (c: ConvCase): string =>
  `${c.size}x${c.size} k${c.kernel} s${c.stride} pad ${JSON.stringify(c.pad)}`;

let seed = 1;
const nextSeed = (): number => seed++;

for (const c of convCases()) {
  void test(`conv2d gradients match cpu: ${describe(c)}`, async () => {
    const x = randomTensor([2, c.size, c.size, 3], nextSeed());
    const filter = randomTensor([c.kernel, c.kernel, 3, 4], nextSeed());
    const upstream = nextSeed();
    await assertGradientsMatchCpu(
      (x, w) =>
        weightedSum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad), upstream),
      [x, filter],
      ['x', 'filter'],
    );
  });
}

for (const c of convCases()) {
  for (const multiplier of c.kernel === 3 ? [1, 2] : [1]) {
    void test(`depthwiseConv2d gradients match cpu: ${describe(c)} x${multiplier}`, async () => {
      const x = randomTensor([2, c.size, c.size, 3], nextSeed());
      const filter = randomTensor([c.kernel, c.kernel, 3, multiplier], nextSeed());
      const upstream = nextSeed();
      await assertGradientsMatchCpu(
        (x, w) =>
          weightedSum(
            tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad),
            upstream,
          ),
        [x, filter],
        ['x', 'filter'],
      );
    });
  }
}

void test('fused conv2d and depthwise (bias, relu) gradients match cpu', async () => {
  const inputs = [
    randomTensor([2, 9, 9, 3], nextSeed()),
    randomTensor([3, 3, 3, 4], nextSeed()),
    randomTensor([4], nextSeed()),
    randomTensor([5, 5, 4, 1], nextSeed()),
    randomTensor([4], nextSeed()),
  ];
  const upstream = nextSeed();
  await assertGradientsMatchCpu(
    (x, w, b, dw, db) => {
      const conv = tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: 2,
        pad: 'same',
        bias: b,
        activation: 'relu',
      });
      const depthwise = tf.fused.depthwiseConv2d({
        x: conv,
        filter: dw as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        bias: db,
        activation: 'relu',
      });
      return weightedSum(depthwise, upstream);
    },
    inputs,
    ['x', 'filter', 'bias', 'depthwise filter', 'depthwise bias'],
  );
});

/** 1x1 expand -> relu6 -> kxk depthwise -> batch norm -> relu6 -> 1x1 project, plus a resize. */
function mbConvLoss(upstream: number, stride: number) {
  return (...[x, expand, depthwise, gamma, beta, project]: tf.Tensor[]): tf.Scalar => {
    const wide = tf.relu6(tf.conv2d(x as tf.Tensor4D, expand as tf.Tensor4D, 1, 'same'));
    const spatial = tf.depthwiseConv2d(
      wide as tf.Tensor4D,
      depthwise as tf.Tensor4D,
      stride,
      'same',
    );
    const { mean, variance } = tf.moments(spatial, [0, 1, 2]);
    const normalized = tf.batchNorm(spatial, mean, variance, beta, gamma, 1e-3);
    const activated = tf.clipByValue(tf.relu6(normalized), 0, 4) as tf.Tensor4D;
    const out = tf.conv2d(activated, project as tf.Tensor4D, 1, 'same');
    const resized = tf.image.resizeBilinear(out, [6, 6]);
    const cropped = tf.slice(resized, [0, 1, 1, 0], [-1, 4, 4, -1]);
    return tf.add(weightedSum(cropped, upstream), tf.mean(tf.square(out)));
  };
}

for (const [kernel, stride] of [
  [3, 1],
  [5, 2],
  [7, 2],
]) {
  void test(`MBConv block k${kernel} s${stride}: whole-network gradients match cpu`, async () => {
    const inputs: HostTensor[] = [
      randomTensor([2, 10, 10, 4], nextSeed()),
      randomTensor([1, 1, 4, 12], nextSeed()),
      randomTensor([kernel, kernel, 12, 1], nextSeed()),
      randomTensor([12], nextSeed()),
      randomTensor([12], nextSeed()),
      randomTensor([1, 1, 12, 6], nextSeed()),
    ];
    await assertGradientsMatchCpu(mbConvLoss(nextSeed(), stride), inputs, [
      'x',
      'expand',
      'depthwise',
      'gamma',
      'beta',
      'project',
    ]);
  });
}

// conv2dTranspose's forward pass is the replaced Conv2DBackpropInput kernel; squaring
// its output makes the gradients depend on that forward result too.
void test('conv2dTranspose output and gradients match cpu', async () => {
  const upstream = nextSeed();
  await assertGradientsMatchCpu(
    (x, w) =>
      weightedSum(
        tf.square(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 9, 9, 3], 2, 'same')),
        upstream,
      ),
    [randomTensor([2, 5, 5, 4], nextSeed()), randomTensor([3, 3, 3, 4], nextSeed())],
    ['x', 'filter'],
  );
});

void test('gather gradient (UnsortedSegmentSum) matches cpu', async () => {
  const indices = [3, 0, 3, 1, 3];
  await assertGradientsMatchCpu(
    (x) => weightedSum(tf.gather(x, indices, 1), 7),
    [randomTensor([2, 5, 3], nextSeed())],
    ['x'],
  );
});

void test('gradient kernels leave no tensors or buffers behind', async () => {
  await useBackend('wasm');
  const x = tf.tensor(randomTensor([2, 9, 9, 3], 11).data, [2, 9, 9, 3]);
  const w = tf.tensor(randomTensor([3, 3, 3, 4], 12).data, [3, 3, 3, 4]);
  const dw = tf.tensor(randomTensor([5, 5, 4, 1], 13).data, [5, 5, 4, 1]);
  const loss = (x: tf.Tensor, w: tf.Tensor, dw: tf.Tensor): tf.Scalar =>
    tf.sum(
      tf.depthwiseConv2d(
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'),
        dw as tf.Tensor4D,
        1,
        'same',
      ),
    );
  tf.dispose(tf.grads(loss)([x, w, dw])); // first run creates any lazily cached state
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.engine().backend.numDataIds();
  // Under IS_TEST the engine itself checks every kernel for leaked data ids.
  tf.env().set('IS_TEST', true);
  try {
    tf.dispose(tf.grads(loss)([x, w, dw]));
  } finally {
    tf.env().set('IS_TEST', false);
  }
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.engine().backend.numDataIds(), buffersBefore);
  tf.dispose([x, w, dw]);
});

void test('registration is idempotent and covers the kernels wasm lacks', () => {
  const before = WASM_GRADIENT_KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
  registerWasmGradientKernels();
  const after = WASM_GRADIENT_KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
  assert.ok(before.every((f) => typeof f === 'function'));
  assert.deepEqual(after, before);
});
