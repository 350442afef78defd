import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageRanks,
  kendallTauB,
  spearmanRho,
} from '../../../../server/src/engine/search/rankCorrelation';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

void describe('Kendall τ-b', () => {
  void test('is ±1 for perfect and reversed orderings, whatever the scale', () => {
    close(kendallTauB([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]), 1);
    close(kendallTauB([1, 2, 3, 4, 5], [0.9, 0.5, 0.3, 0.2, -7]), -1);
  });

  void test('without ties: one swapped pair of 6', () => {
    // x = 1 2 3 4, y = 1 3 2 4: only the pair (2nd, 3rd) is discordant. C = 5, D = 1.
    // τ = (5 − 1) / 6.
    close(kendallTauB([1, 2, 3, 4], [1, 3, 2, 4]), 4 / 6);
  });

  void test('with a tie in each ranking', () => {
    // x = 1 2 2 3, y = 1 2 3 3. Pairs (i,j):
    //   (0,1) C  (0,2) C  (0,3) C  (1,2) tied in x  (1,3) C  (2,3) tied in y
    // C = 4, D = 0, n₀ = 6, n₁ = 1, n₂ = 1: τ-b = 4 / √(5·5) = 0.8.
    close(kendallTauB([1, 2, 2, 3], [1, 2, 3, 3]), 0.8);
  });

  void test('with ties and discordant pairs', () => {
    // x = 1 1 2 3 4, y = 2 1 1 4 3. Pairs (i,j):
    //   (0,1) tied in x  (0,2) D  (0,3) C  (0,4) C  (1,2) tied in y
    //   (1,3) C  (1,4) C  (2,3) C  (2,4) C  (3,4) D
    // C = 6, D = 2, n₀ = 10, n₁ = 1, n₂ = 1: τ-b = 4 / √(9·9) = 4/9.
    close(kendallTauB([1, 1, 2, 3, 4], [2, 1, 1, 4, 3]), 4 / 9);
  });

  void test('a pair tied in both rankings does not spoil perfect agreement', () => {
    // (0,1) tied in both; (0,2) and (1,2) C. τ-b = 2 / √((3−1)(3−1)) = 1.
    close(kendallTauB([1, 1, 2], [5, 5, 6]), 1);
  });

  void test('is NaN for a constant ranking or fewer than two items; throws on unequal lengths', () => {
    assert.ok(Number.isNaN(kendallTauB([1, 1, 1], [1, 2, 3])));
    assert.ok(Number.isNaN(kendallTauB([1], [1])));
    assert.throws(() => kendallTauB([1, 2], [1]), /2 and 1 items/);
  });
});

void describe('Spearman ρ', () => {
  void test('gives tied values the average of their ranks', () => {
    // Sorted: 5 (rank 1), 10 (rank 2), the three 20s share ranks 3, 4, 5 → 4.
    assert.deepEqual(averageRanks([10, 20, 20, 5, 20]), [2, 4, 4, 1, 4]);
  });

  void test('is ±1 for perfect and reversed orderings', () => {
    close(spearmanRho([1, 2, 3, 4], [2, 4, 8, 16]), 1);
    close(spearmanRho([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  });

  void test('without ties equals 1 − 6Σd²/(n³ − n)', () => {
    // d = −1 1 −1 1 0, Σd² = 4: 1 − 24/120 = 0.8.
    close(spearmanRho([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]), 0.8);
  });

  void test('with ties, is the correlation of the average ranks', () => {
    // Ranks x = 1 2.5 2.5 4, y = 1 2 3.5 3.5, both of mean 2.5.
    // Deviations x = −1.5 0 0 1.5, y = −1.5 −0.5 1 1.
    // Σxy = 2.25 + 1.5 = 3.75, Σx² = 4.5, Σy² = 2.25 + 0.25 + 1 + 1 = 4.5: ρ = 3.75 / 4.5 = 5/6.
    close(spearmanRho([1, 2, 2, 3], [1, 2, 3, 3]), 5 / 6);
    // Ranks x = 1.5 1.5 3 4 5, y = 3 1.5 1.5 5 4 (mean 3).
    // Deviations x = −1.5 −1.5 0 1 2, y = 0 −1.5 −1.5 2 1.
    // Σxy = 2.25 + 2 + 2 = 6.25, Σx² = Σy² = 9.5: ρ = 6.25 / 9.5 = 25/38.
    close(spearmanRho([1, 1, 2, 3, 4], [2, 1, 1, 4, 3]), 25 / 38);
  });

  void test('is NaN for a constant ranking', () => {
    assert.ok(Number.isNaN(spearmanRho([3, 3, 3], [1, 2, 3])));
  });
});
