import test from 'node:test';
import assert from 'node:assert/strict';
import { smoothEma } from '#shared/charts/smoothing';

const close = (actual: (number | null)[], expected: (number | null)[]) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (e === null) assert.equal(a, null, `index ${i}`);
    else assert.ok(a !== null && Math.abs(a - e) < 1e-12, `index ${i}: ${a} ≠ ${e}`);
  });
};

void test('debiased EMA divides by 1 − w^t (hand-computed, w = 0.5)', () => {
  // t=1: 0.5·1 = 0.5, /0.5 → 1; t=2: 0.25 + 1 = 1.25, /0.75; t=3: 0.625 + 1.5 = 2.125, /0.875.
  close(smoothEma([1, 2, 3], 0.5), [1, 1.25 / 0.75, 2.125 / 0.875]);
});

void test('a constant curve stays constant: the start is not pulled toward 0', () => {
  close(smoothEma([5, 5, 5, 5], 0.9), [5, 5, 5, 5]);
});

void test('weight 0 leaves the values as they are', () => {
  close(smoothEma([3, -1, 4.5], 0), [3, -1, 4.5]);
});

void test('gaps stay gaps and do not count as a step of the average', () => {
  // t=1: 1; gap; t=2: 0.25·2 … last = 0.5·0.5 + 0.5·3 = 1.75, /0.75.
  close(smoothEma([1, null, 3, NaN], 0.5), [1, null, 1.75 / 0.75, null]);
});

void test('a weight out of range is clamped rather than blowing up', () => {
  const out = smoothEma([1, 2], 1);
  assert.ok(out.every((v) => v !== null && Number.isFinite(v)));
  close(smoothEma([1, 2], -3), [1, 2]);
});
