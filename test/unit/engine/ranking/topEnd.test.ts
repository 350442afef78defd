import test from 'node:test';
import assert from 'node:assert/strict';
import { budgetsOf, frontShare, topEndQuality } from '../../../../server/src/engine/ranking/topEnd';

void test('front share, by hand: three subnets on one line, a predictor that misses the largest', () => {
  // log MACs 0, 1, 2 and accuracies .5, .7, .9 scale to (0, 0), (.5, .5), (1, 1); with the
  // reference (1.1, −0.1) the true front's area is 0.11 + 0.3 + 0.05 = 0.46. A predictor
  // rating the middle subnet above the largest keeps the first two: 0.11 + 0.3 = 0.41.
  const macs = [1, Math.E, Math.E ** 2];
  const truth = [0.5, 0.7, 0.9];
  assert.ok(Math.abs(frontShare(truth, truth, macs) - 1) < 1e-12);
  assert.ok(Math.abs(frontShare([0, 5, 1], truth, macs) - 0.41 / 0.46) < 1e-12);
});

void test('budgets: a third, two thirds and all of the subnets, never fewer than 5', () => {
  const macs = [80, 10, 20, 30, 40, 50, 60, 70, 90, 100, 110, 120];
  assert.deepEqual(budgetsOf(macs), [50, 80, 120]);
  assert.deepEqual(budgetsOf([5, 1, 2, 3, 4, 6]), [5, 6]);
});

void test('top-end quality by hand: the best quarter’s order, precision at k, regrets', () => {
  // 8 subnets, MACs rising with the index; the truth rises too but for subnet 6.
  const macs = [1, 2, 3, 4, 5, 6, 7, 8];
  const truth = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9, 0.8];
  // The predictor swaps 4 and 5 and rates 7 above 6.
  const predicted = [1, 2, 3, 4, 6, 5, 7, 8];
  const q = topEndQuality(predicted, truth, macs);
  // k = max(4, 8/4) = 4: true best 6, 7, 5, 4; the predictor's best 7, 6, 4, 5: all found.
  assert.deepEqual(q.precisionAtK, { k: 4, precision: 1 });
  // Among 6, 7, 5, 4: truth order 6 > 7 > 5 > 4, predicted 7 > 6 > 4 > 5: two of six pairs
  // discordant, τ = (4 − 2) / 6.
  assert.ok(Math.abs(q.topQuarterTau - 1 / 3) < 1e-12);
  // Budgets 5, 6 and 8 MACs: picks 4 (0.5, best 0.5), 4 (0.5, best 0.6), 7 (0.8, best 0.9).
  assert.deepEqual(
    q.regrets.map((r) => [r.macs, r.candidates, r.picked, r.best]),
    [
      [5, 5, 0.5, 0.5],
      [6, 6, 0.5, 0.6],
      [8, 8, 0.8, 0.9],
    ],
  );
  assert.ok(q.frontShare < 1 && q.frontShare > 0.5);
});
