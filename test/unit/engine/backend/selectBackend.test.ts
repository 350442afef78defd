import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../../server/src/engine/backend/selectBackend';

// The native packages are not installed in this repository's dev setup; these tests describe
// that setup and would need revisiting on a machine that has them.

void test("'auto' falls back past the missing native packages to wasm", async () => {
  const selected = await selectBackend('auto');
  assert.equal(selected.name, 'wasm');
  assert.equal(selected.package, '@tensorflow/tfjs-backend-wasm');
  assert.deepEqual(selected.fellBackFrom, ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
  for (const pkg of selected.fellBackFrom ?? []) {
    assert.match(selected.fallbackReasons?.[pkg] ?? '', /Cannot find module/);
  }
  assert.equal(tf.getBackend(), 'wasm');
  const grad = tf.grad((w: tf.Tensor) =>
    tf.sum(tf.depthwiseConv2d(tf.ones([1, 5, 5, 2]) as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')),
  )(tf.ones([3, 3, 2, 1]));
  assert.deepEqual(grad.shape, [3, 3, 2, 1]);
});

void test("an explicit 'tensorflow' that cannot load throws with package and reason", async () => {
  await assert.rejects(selectBackend('tensorflow'), (err: Error) => {
    assert.match(err.message, /^Backend 'tensorflow' is unavailable: @tensorflow\/tfjs-node: /);
    assert.match(err.message, /could not be loaded \(Cannot find module '@tensorflow\/tfjs-node'/);
    return true;
  });
});

void test("an explicit 'cpu' selects cpu without fallbacks", async () => {
  assert.deepEqual(await selectBackend('cpu'), {
    name: 'cpu',
    package: '@tensorflow/tfjs-backend-cpu',
  });
  assert.equal(tf.getBackend(), 'cpu');
});
