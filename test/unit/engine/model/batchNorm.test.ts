import test, { describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { batchNormTrain } from '../../../../server/src/engine/model/batchNorm';
import { ensureTfjsGradients } from '../../../../server/src/engine/backend/tfjsGradients';

/** The textbook formula, differentiated by tfjs itself. */
function reference(x: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D, relu6: boolean): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const z = tf.add(
    tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g),
    b,
  ) as tf.Tensor4D;
  return relu6 ? tf.clipByValue(z, 0, 6) : z;
}

const maxRel = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(
    () =>
      tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1e-6, tf.max(tf.abs(b)).dataSync()[0]),
  );

void describe('batch norm with a hand-written gradient', () => {
  before(async () => {
    await ensureTfjsGradients();
    await tf.setBackend('cpu');
  });
  for (const relu6 of [false, true]) {
    void test(`matches tfjs's own gradient of the formula (relu6: ${relu6})`, () => {
      const x = tf.mul(tf.randomNormal([4, 5, 3, 6], 0, 1, 'float32', 1), 3) as tf.Tensor4D;
      const g = tf.randomUniform([6], 0.5, 2, 'float32', 2) as tf.Tensor1D;
      const b = tf.randomUniform([6], -1, 1, 'float32', 3) as tf.Tensor1D;
      // A weighting makes the upstream gradient non-uniform across pixels and channels.
      const wts = tf.randomNormal([4, 5, 3, 6], 0, 1, 'float32', 4);
      const loss = (f: typeof reference) => (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(f(xx as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, relu6), wts));
      const ours = tf.grads(loss((a, c, d, r) => batchNormTrain(a, c, d, 1e-5, r)))([x, g, b]);
      const ref = tf.grads(loss(reference))([x, g, b]);
      const yo = batchNormTrain(x, g, b, 1e-5, relu6);
      const yr = reference(x, g, b, relu6);
      assert.ok(maxRel(yo, yr) < 1e-5, 'forward');
      ['dx', 'dgamma', 'dbeta'].forEach((name, i) =>
        assert.ok(maxRel(ours[i], ref[i]) < 1e-4, `${name}: ${maxRel(ours[i], ref[i])}`),
      );
    });
  }
});
