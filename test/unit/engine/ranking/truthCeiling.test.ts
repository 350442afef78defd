import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '#shared/rng';
import { kendallTauB } from '../../../../server/src/engine/search/rankCorrelation';
import {
  simulatedCeiling,
  spearmanBrownCeiling,
} from '../../../../server/src/engine/ranking/truthCeiling';

void test('the ceiling of a two-seed mean, closed form: the tables’ seed-vs-seed 0.71 and 0.76 give 0.851 and 0.878', () => {
  // By hand: r = sin(π·0.71/2) = 0.89803, r₂ = 2r/(1 + r) = 0.94627, τ = (2/π)·asin(√r₂).
  assert.ok(Math.abs(spearmanBrownCeiling(0.71, 2) - 0.85109) < 1e-4);
  assert.ok(Math.abs(spearmanBrownCeiling(0.76, 2) - 0.87781) < 1e-4);
  // One seed: the truth against one noisy copy of itself, √r; a noiseless truth: 1.
  assert.ok(
    Math.abs(spearmanBrownCeiling(0.5, 1) - (2 / Math.PI) * Math.asin(Math.sqrt(Math.SQRT1_2))) <
      1e-12,
  );
  assert.equal(spearmanBrownCeiling(1, 2), 1);
  assert.ok(Number.isNaN(spearmanBrownCeiling(0, 2)));
});

/** A simulated table: true accuracies of known spread, each trained `seeds` times with noise σ. */
function simulatedTable(k: number, sigma: number, seeds: number, rng: Rng) {
  const truth = Array.from({ length: k }, () => rng.normal());
  const runs = truth.map((t) => Array.from({ length: seeds }, () => t + sigma * rng.normal()));
  return { truth, runs };
}

void test('a ceiling from a simulated truth of known reliability: the estimate from the table matches τ(truth, mean of seeds)', () => {
  for (const [sigma, seeds] of [
    [0.5, 2],
    [1, 2],
    [0.7, 3],
  ] as const) {
    const rng = new Rng(7);
    const { truth, runs } = simulatedTable(300, sigma, seeds, rng);
    // What a perfect predictor reaches against the mean, over fresh noise (the quantity itself).
    const actual: number[] = [];
    for (let d = 0; d < 200; d++) {
      const mean = truth.map((t) => {
        let s = 0;
        for (let j = 0; j < seeds; j++) s += t + sigma * rng.normal();
        return s / seeds;
      });
      actual.push(kendallTauB(truth, mean));
    }
    const expected = actual.reduce((a, b) => a + b, 0) / actual.length;
    const est = simulatedCeiling(runs, { draws: 300 });
    assert.ok(
      Math.abs(est.ceiling - expected) < 0.03,
      `σ ${sigma}, S ${seeds}: ${est.ceiling} vs ${expected}`,
    );
    assert.ok(Math.abs(est.seedSd - sigma) < 0.1 * sigma, `seed SD ${est.seedSd}`);
    // The closed form from the table's first two seeds agrees, and the old quantity is lower.
    const seedTau = kendallTauB(
      runs.map((r) => r[0]),
      runs.map((r) => r[1]),
    );
    assert.ok(Math.abs(spearmanBrownCeiling(seedTau, seeds) - expected) < 0.04);
    assert.ok(seedTau < expected - 0.05, 'seed vs seed is no ceiling of the mean');
  }
});

void test('subnets trained a different number of times: only those with several seeds inform the noise', () => {
  const runs = [[0.8], [0.82, 0.84], [0.86], [0.9, 0.88], [0.84]];
  const est = simulatedCeiling(runs, { seed: 1 });
  // Pooled from (0.82, 0.84) and (0.90, 0.88): each deviates 0.01 from its mean, 2 degrees of freedom.
  assert.ok(Math.abs(est.seedSd - Math.sqrt((4 * 0.01 ** 2) / 2)) < 1e-12);
  assert.ok(est.ceiling > 0 && est.ceiling <= 1);
  assert.deepEqual(simulatedCeiling(runs, { seed: 1 }), est, 'seeded');
  assert.ok(Number.isNaN(simulatedCeiling([[0.1], [0.2], [0.3]]).ceiling), 'no seed noise known');
});
