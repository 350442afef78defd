import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../../server/src/engine/backend/selectBackend';
import { naswotKernel, naswotScore } from '../../../../server/src/engine/ranking/naswot';
import { leibnizDet } from './leibniz';
import { naiveForward, naiveWeights } from './naiveSubnet';
import { chainArch, residualArch, tinyBatch, tinySubnet } from './tinyNet';

before(async () => {
  await selectBackend('wasm');
});

/** K[i][j] = N_A − Hamming(c_i, c_j), straight from the definition. */
function hammingKernel(codes: number[][]): number[] {
  const n = codes.length;
  const k: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let hamming = 0;
      for (let u = 0; u < codes[i].length; u++) hamming += codes[i][u] !== codes[j][u] ? 1 : 0;
      k.push(codes[i].length - hamming);
    }
  return k;
}

for (const [name, arch] of [
  ['a chain', chainArch],
  ['a net with a residual', residualArch],
] as const) {
  void test(`NASWOT of ${name}: the Hamming kernel of its ReLU6 codes and its log-determinant`, () => {
    const sub = tinySubnet(arch);
    const batch = tinyBatch(4);
    try {
      const codes = naiveForward(sub.plan, naiveWeights(sub), batch.pixels, 4, {
        batchNorm: true,
        activation: true,
      }).codes;
      // Units per image: stem 6·6·3, expand 6·6·6, depthwise (stride 2) 3·3·6, head 3·3·4,
      // and the residual block's expand and depthwise 3·3·3 each.
      assert.equal(codes[0].length, 108 + 216 + 54 + 36 + (arch === residualArch ? 54 : 0));
      const expected = hammingKernel(codes);
      const got = naswotKernel(sub, batch.x);
      assert.deepEqual([...got], expected);
      const logDet = Math.log(Math.abs(leibnizDet(expected, 4)));
      assert.ok(Math.abs(naswotScore(sub, batch.x) - logDet) < 1e-9);
    } finally {
      sub.dispose();
      tf.dispose([batch.x, batch.y]);
    }
  });
}

void test('NASWOT is −Infinity when two images have the same code', () => {
  const sub = tinySubnet(chainArch);
  const batch = tinyBatch(3);
  const twice = tf.concat([batch.x, tf.slice(batch.x, [0], [1])]);
  try {
    assert.equal(naswotScore(sub, twice), -Infinity);
  } finally {
    sub.dispose();
    tf.dispose([batch.x, batch.y, twice]);
  }
});
