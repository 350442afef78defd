import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { STEADY_MS, STEADY_UNITS, steadyEta } from '#shared/format/eta';

void describe('steadyEta', () => {
  void test('counts from the first report, not from the job’s start', () => {
    // First step at 30 s (compiling), step 11 at 40 s: 10 steps in 10 s, 89 left → 89 s.
    assert.equal(steadyEta({ done: 1, time: 30_000 }, { done: 11, time: 40_000 }, 100), 89);
  });

  void test('no estimate until enough units and time have passed since the first report', () => {
    const first = { done: 5, time: 0 };
    assert.equal(steadyEta(undefined, { done: 9, time: 5_000 }, 10), undefined);
    assert.equal(steadyEta(first, first, 10), undefined);
    assert.equal(steadyEta(first, { done: 5 + STEADY_UNITS - 1, time: 60_000 }, 10), undefined);
    assert.equal(steadyEta(first, { done: 50, time: STEADY_MS - 1 }, 100), undefined);
    assert.equal(steadyEta(first, { done: 5 + STEADY_UNITS, time: STEADY_MS }, 9), 1);
  });

  void test('never negative when more than the total is done (cached evaluations)', () => {
    assert.equal(steadyEta({ done: 0, time: 0 }, { done: 12, time: 3_000 }, 10), 0);
  });
});
