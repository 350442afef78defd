import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { fitToData } from '#shared/charts/ranges';

void describe('fitToData', () => {
  void test('one generation: a unit-wide window around it, not 0–100', () => {
    assert.deepEqual(fitToData(0, 0, 0.05, 1), [-0.5, 0.5]);
    assert.deepEqual(fitToData(7, 7, 0.05, 1), [6.5, 7.5]);
  });

  void test('one hypervolume value: ±5% of it, so the axis does not start at 0', () => {
    const [lo, hi] = fitToData(0.33, 0.33, 0.05);
    assert.ok(Math.abs(lo - 0.3135) < 1e-12 && Math.abs(hi - 0.3465) < 1e-12);
    assert.deepEqual(fitToData(0, 0), [-0.5, 0.5]);
  });

  void test('a real range, padded by a share on each side; no data → [0, 1]', () => {
    assert.deepEqual(fitToData(2, 12, 0.1), [1, 13]);
    assert.deepEqual(fitToData(2, 12), [2, 12]);
    assert.deepEqual(fitToData(null, null), [0, 1]);
    assert.deepEqual(fitToData(NaN, 3), [0, 1]);
  });
});
