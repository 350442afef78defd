import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { largestArch } from '../../../../server/src/space/arch';
import type { Arch } from '#shared/arch';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { Rng } from '#shared/rng';

const config = resolveConfig(`
task: { input: [12, 12, 1], classes: 5 }
space:
  resolution: [12]
  stem: { width: 8, kernel: 3, stride: 1 }
  stages:
    - { depth: [1, 2, 3], width: [8], kernel: [3], expand: [2], stride: 2 }
  head: { width: 16 }
`).config;

const withDepth = (d: number): Arch => {
  const a = largestArch(config.space, config.task);
  return { ...a, stages: [{ ...a.stages[0], depth: d, blocks: a.stages[0].blocks.slice(0, d) }] };
};

before(() => tf.setBackend('cpu'));

void test('BigNAS zero-init: residual blocks start as the identity, so depth changes nothing at first', () => {
  const net = new Supernet(config.space, config.task, new Rng(1), { zeroInitResidual: true });
  const gamma = (name: string) => Array.from(net.convs.get(name)!.gamma.dataSync());
  // Block 1 changes the resolution (stride 2): no residual, its scale stays 1.
  assert.ok(gamma('stage1.block1.project').every((g) => g === 1));
  assert.ok(gamma('stage1.block2.project').every((g) => g === 0));
  assert.ok(gamma('stage1.block3.project').every((g) => g === 0));
  assert.ok(gamma('stage1.block2.expand').every((g) => g === 1));
  const x = tf.randomNormal([2, 12, 12, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
  const one = net.forward(withDepth(1), x, 'train');
  const three = net.forward(withDepth(3), x, 'train');
  assert.ok(tf.max(tf.abs(tf.sub(one, three))).dataSync()[0] < 1e-5);
  // Without it the blocks do something from the start.
  const plain = new Supernet(config.space, config.task, new Rng(1));
  const d = tf.sub(
    plain.forward(withDepth(1), x, 'train'),
    plain.forward(withDepth(3), x, 'train'),
  );
  assert.ok(tf.max(tf.abs(d)).dataSync()[0] > 1e-3);
});
