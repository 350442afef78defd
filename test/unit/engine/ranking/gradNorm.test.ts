import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../../server/src/engine/backend/selectBackend';
import { gradNormScore } from '../../../../server/src/engine/ranking/gradNorm';
import { naiveCrossEntropy, naiveForward, naiveWeights } from './naiveSubnet';
import { chainArch, residualArch, tinyBatch, tinySubnet } from './tinyNet';

before(async () => {
  await selectBackend('wasm');
});

for (const [name, arch] of [
  ['a chain', chainArch],
  ['a net with a residual', residualArch],
] as const) {
  void test(`grad_norm of ${name}: Σ over weight tensors of ‖∂loss/∂θ‖, by central differences`, () => {
    const sub = tinySubnet(arch);
    const batch = tinyBatch(4);
    try {
      const w = naiveWeights(sub);
      const loss = () =>
        naiveCrossEntropy(
          naiveForward(sub.plan, w, batch.pixels, 4, { batchNorm: true, activation: true }).logits,
          batch.labels,
        );
      const step = 1e-6;
      let expected = 0;
      for (const t of [...w.kernels.values(), w.classifierWeight]) {
        let squares = 0;
        for (let i = 0; i < t.length; i++) {
          const v = t[i];
          t[i] = v + step;
          const up = loss();
          t[i] = v - step;
          const down = loss();
          t[i] = v;
          squares += ((up - down) / (2 * step)) ** 2;
        }
        expected += Math.sqrt(squares);
      }
      const got = gradNormScore(sub, batch.x, batch.y);
      assert.ok(Math.abs(got - expected) <= 1e-4 * expected, `${got} vs ${expected}`);
    } finally {
      sub.dispose();
      tf.dispose([batch.x, batch.y]);
    }
  });
}

void test('grad_norm leaves no tensor behind', () => {
  const sub = tinySubnet(residualArch);
  const batch = tinyBatch(4);
  try {
    const before = tf.memory().numTensors;
    gradNormScore(sub, batch.x, batch.y);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    sub.dispose();
    tf.dispose([batch.x, batch.y]);
  }
});
