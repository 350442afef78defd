import test, { describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { largestArch } from '../../../../server/src/space/arch';
import type { Arch } from '#shared/arch';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { extract } from '../../../../server/src/engine/model/extract';
import { Rng } from '#shared/rng';
import { ensureTfjsGradients } from '../../../../server/src/engine/backend/tfjsGradients';
import { subnetLayers, type ConvLayer } from '../../../../server/src/space/layers';

const config = resolveConfig(`
task: { input: [12, 12, 1], classes: 5 }
space:
  resolution: [12]
  stem: { width: 8, kernel: 3, stride: 1 }
  stages:
    - { depth: [1], width: [8], kernel: [3, 5, 7], expand: [2], stride: 1 }
  head: { width: 16 }
`).config;

const withKernel = (k: number): Arch => {
  const a = largestArch(config.space, config.task);
  return {
    ...a,
    stages: a.stages.map((s) => ({ ...s, blocks: s.blocks.map((b) => ({ ...b, kernel: k })) })),
  };
};
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

void describe('elastic kernels through transform matrices (OFA)', () => {
  let plain: Supernet;
  let mixed: Supernet;
  let x: tf.Tensor4D;
  before(async () => {
    await ensureTfjsGradients();
    await tf.setBackend('cpu');
    plain = new Supernet(config.space, config.task, new Rng(3));
    mixed = new Supernet(config.space, config.task, new Rng(3), { kernelTransform: true });
    x = tf.randomNormal([2, 12, 12, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  });

  void test('one matrix per size step of each depthwise layer, named for checkpoints', () => {
    const names = mixed
      .parameters()
      .filter((p) => p.kind === 'kernel-transform')
      .map((p) => p.name);
    assert.equal(names.length, 2);
    assert.ok(
      names.some((n) => n.endsWith('.transform7to5')) &&
        names.some((n) => n.endsWith('.transform5to3')),
    );
    assert.equal(plain.parameters().filter((p) => p.kind === 'kernel-transform').length, 0);
  });

  void test('identity matrices at the start: the same subnets as plain centre slicing', () => {
    for (const k of [3, 5, 7]) {
      const a = plain.forward(withKernel(k), x, 'train');
      const b = mixed.forward(withKernel(k), x, 'train');
      assert.ok(maxAbsDiff(a, b) < 1e-5, `kernel ${k}`);
    }
  });

  void test('a 3×3 kernel is the 5×5 centre through both matrices; extraction agrees', () => {
    const [t75, t53] = mixed.transforms.values().next().value!;
    t75.matrix.assign(tf.randomNormal([25, 25], 0, 0.3, 'float32', 8) as tf.Tensor2D);
    t53.matrix.assign(tf.randomNormal([9, 9], 0, 0.3, 'float32', 9) as tf.Tensor2D);
    const dw = subnetLayers(config.space, config.task, withKernel(3)).find(
      (l): l is ConvLayer => l.kind === 'conv' && l.role === 'depthwise',
    )!;
    const full = mixed.convs.get(dw.name)!.kernel;
    const channels = full.shape[2];
    // By hand, channel by channel: taps of the centre (row-major) times the matrix.
    const manual = tf.tidy(() => {
      let k: tf.Tensor = full;
      for (const [size, to, m] of [
        [7, 5, t75.matrix],
        [5, 3, t53.matrix],
      ] as const) {
        const off = (size - to) / 2;
        const centre = tf.slice(k, [off, off, 0, 0], [to, to, channels, 1]);
        const perChannel = [...Array(channels)].map((_, c) =>
          tf.reshape(
            tf.matMul(tf.reshape(tf.slice(centre, [0, 0, c, 0], [to, to, 1, 1]), [1, to * to]), m),
            [to, to, 1, 1],
          ),
        );
        k = tf.concat(perChannel, 2);
      }
      return k;
    });
    const sub = extract(mixed, withKernel(3));
    assert.ok(maxAbsDiff(mixed.kernelAt(dw), manual) < 1e-5);
    assert.ok(maxAbsDiff(sub.convs.get(dw.name)!.kernel, manual) < 1e-5);
    // And the extracted subnet computes what the supernet computes.
    assert.ok(maxAbsDiff(sub.forward(x, 'train'), mixed.forward(withKernel(3), x, 'train')) < 1e-4);
    sub.dispose();
  });

  void test('a subnet trains the matrices it goes through, and only those', () => {
    const names = (a: Arch) => new Set(mixed.trainableVariables(a).map((v) => v.name));
    const m = [...mixed.transforms.values()][0];
    assert.ok(
      names(withKernel(3)).has(m[0].matrix.name) && names(withKernel(3)).has(m[1].matrix.name),
    );
    assert.ok(
      names(withKernel(5)).has(m[0].matrix.name) && !names(withKernel(5)).has(m[1].matrix.name),
    );
    assert.ok(!names(withKernel(7)).has(m[0].matrix.name));
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(mixed.forward(withKernel(3), x, 'train'))) as tf.Scalar,
      mixed.trainableVariables(withKernel(3)),
    );
    assert.ok(
      tf.max(tf.abs(grads[m[1].matrix.name])).dataSync()[0] > 0,
      'the 5→3 matrix gets a gradient',
    );
  });
});
