import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../../server/src/engine/backend/selectBackend';
import { ExtractedSubnet } from '../../../../server/src/engine/model/extract';
import { synflowScore } from '../../../../server/src/engine/ranking/synflow';
import { naiveForward, naiveWeights, type NaiveWeights } from './naiveSubnet';
import { chainArch, residualArch, tinySubnet } from './tinyNet';

before(async () => {
  await selectBackend('wasm');
});

const close = (a: number, b: number, tol: number) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b} (tolerance ${tol})`);

/**
 * R of the linearised subnet: |weights|, no batch norm, no activation, one image of ones.
 * Without the classifier's bias, a constant in R that changes no gradient.
 */
function linearisedR(sub: ExtractedSubnet, w: NaiveWeights): number {
  const abs = (a: Float64Array) => a.map(Math.abs);
  const positive: NaiveWeights = {
    ...w,
    kernels: new Map([...w.kernels].map(([k, v]) => [k, abs(v)])),
    classifierWeight: abs(w.classifierWeight),
    classifierBias: w.classifierBias.map(() => 0),
  };
  const [h, wd] = sub.plan.input;
  const { logits } = naiveForward(sub.plan, positive, new Float64Array(h * wd).fill(1), 1, {
    batchNorm: false,
    activation: false,
  });
  return logits.reduce((a, b) => a + b, 0);
}

/** The weight tensors synflow sums over: every kernel and the classifier's weight. */
const weightArrays = (w: NaiveWeights) => [...w.kernels.values(), w.classifierWeight];

void test('synflow of a chain: each of its L weight tensors carries all of R', () => {
  // R is linear in each tensor θ_l of a chain, so Σ θ_l·∂R/∂θ_l = R for each of them.
  const sub = tinySubnet(chainArch);
  try {
    const w = naiveWeights(sub);
    const layers = weightArrays(w).length;
    assert.equal(layers, 6);
    close(synflowScore(sub), Math.log(layers * linearisedR(sub, w)), 1e-5);
  } finally {
    sub.dispose();
  }
});

void test('synflow with a residual: Σ over tensors of R less R with that tensor zeroed', () => {
  // R is linear in each tensor θ_l, so θ_l·∂R/∂θ_l = R(θ) − R(θ with θ_l = 0).
  const sub = tinySubnet(residualArch);
  try {
    const w = naiveWeights(sub);
    const r = linearisedR(sub, w);
    let expected = 0;
    for (const t of weightArrays(w)) {
      const saved = Float64Array.from(t);
      t.fill(0);
      expected += r - linearisedR(sub, w);
      t.set(saved);
    }
    close(synflowScore(sub), Math.log(expected), 1e-5);
  } finally {
    sub.dispose();
  }
});

void test('synflow keeps its log where R overflows a float32', () => {
  // Each of the 6 weight tensors ×1e8: R and the score grow by 1e48, beyond a float32.
  const sub = tinySubnet(chainArch);
  const scale = 1e8;
  const scaled = new ExtractedSubnet(
    sub.plan,
    new Map([...sub.convs].map(([k, c]) => [k, { ...c, kernel: tf.mul(c.kernel, scale) }])),
    tf.mul(sub.classifierWeight, scale),
    sub.classifierBias,
  );
  try {
    const big = synflowScore(scaled);
    assert.ok(big > Math.log(3.4e38));
    close(big, synflowScore(sub) + 6 * Math.log(scale), 1e-4);
  } finally {
    tf.dispose([...[...scaled.convs.values()].map((c) => c.kernel), scaled.classifierWeight]);
    sub.dispose();
  }
});

void test('synflow leaves no tensor behind', () => {
  const sub = tinySubnet(residualArch);
  try {
    const before = tf.memory().numTensors;
    synflowScore(sub);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    sub.dispose();
  }
});
