import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  constrainedDominates,
  constraintViolation,
  dominates,
  MIN_VIOLATION,
  objectiveSpecs,
  objectiveVector,
  parseConstraints,
  scoreMetrics,
  violationOf,
} from '../../../../server/src/engine/search/dominance';

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} ≠ ${expected}`);

void describe('objective vectors', () => {
  void test('keep the order written and negate objectives to maximise', () => {
    const specs = objectiveSpecs({ accuracy: 'max', flops: 'min', latency: 'min' });
    assert.deepEqual(
      specs.map((s) => s.name),
      ['accuracy', 'flops', 'latency'],
    );
    assert.deepEqual(
      objectiveVector({ accuracy: 0.9, flops: 2e6, latency: 1.2 }, specs),
      [-0.9, 2e6, 1.2],
    );
  });

  void test('a missing measurement is an error, not a silent 0', () => {
    const specs = objectiveSpecs({ latency: 'min' });
    assert.throws(() => objectiveVector({ accuracy: 0.5 }, specs), /'latency'/);
  });
});

void describe('constraint violation', () => {
  const [flops, latency, accuracy, params, zero] = parseConstraints([
    'flops <= 2M',
    'latency <= 1.5ms',
    'accuracy >= 0.8',
    'params < 50k',
    'flops <= 0',
  ]);

  void test('is 0 when met and relative to the bound when not', () => {
    assert.equal(violationOf(flops, 2e6), 0);
    close(violationOf(flops, 2.5e6), 0.25); // 0.5M over 2M
    close(violationOf(latency, 1.8), 0.2); // 0.3 ms over 1.5 ms
    close(violationOf(accuracy, 0.6), 0.25); // 0.2 under 0.8
    assert.equal(violationOf(accuracy, 0.95), 0);
  });

  void test('weighs units alike: 25% over on FLOPs costs as much as 25% over on latency', () => {
    close(violationOf(flops, 2.5e6), violationOf(latency, 1.875));
  });

  void test('a strict bound met with equality is violated by a minimal amount', () => {
    assert.equal(violationOf(params, 50e3), MIN_VIOLATION);
    assert.equal(violationOf(params, 49e3), 0);
  });

  void test('a bound of 0 takes a scale of 1; NaN violates without limit', () => {
    assert.equal(violationOf(zero, 3), 3);
    assert.equal(violationOf(flops, NaN), Infinity);
  });

  void test('sums over constraints', () => {
    close(
      constraintViolation({ flops: 2.5e6, latency: 1.8, accuracy: 0.9 }, [
        flops,
        latency,
        accuracy,
      ]),
      0.45,
    );
    const s = scoreMetrics(
      { accuracy: 0.7, flops: 1e6 },
      objectiveSpecs({ accuracy: 'max', flops: 'min' }),
      [flops, accuracy],
    );
    assert.deepEqual(s.objectives, [-0.7, 1e6]);
    close(s.violation, 0.125); // 0.1 under 0.8
  });

  void test('an unreadable constraint throws with the parser’s message', () => {
    assert.throws(() => parseConstraints(['flops <= 2X']), /Unknown unit 'X'/);
  });
});

void describe('dominance', () => {
  void test('Pareto: no worse everywhere and better somewhere', () => {
    assert.equal(dominates([1, 2], [1, 3]), true);
    assert.equal(dominates([1, 3], [1, 2]), false);
    assert.equal(dominates([1, 2], [1, 2]), false);
    assert.equal(dominates([0, 3], [1, 2]), false);
    assert.equal(dominates([1, 2], [0, 3]), false);
    assert.equal(dominates([0, 0, 0], [0, 0, 1]), true);
  });

  const feasible = (...objectives: number[]) => ({ objectives, violation: 0 });
  const infeasible = (violation: number, ...objectives: number[]) => ({ objectives, violation });

  void test('a feasible point beats an infeasible one whatever the objectives', () => {
    assert.equal(constrainedDominates(feasible(9, 9), infeasible(0.01, 0, 0)), true);
    assert.equal(constrainedDominates(infeasible(0.01, 0, 0), feasible(9, 9)), false);
  });

  void test('of two infeasible points the smaller violation wins whatever the objectives', () => {
    assert.equal(constrainedDominates(infeasible(0.1, 9, 9), infeasible(0.2, 0, 0)), true);
    assert.equal(constrainedDominates(infeasible(0.2, 0, 0), infeasible(0.1, 9, 9)), false);
  });

  void test('equal violations tie: neither dominates, even with better objectives', () => {
    assert.equal(constrainedDominates(infeasible(0.1, 0, 0), infeasible(0.1, 9, 9)), false);
    assert.equal(constrainedDominates(infeasible(0.1, 9, 9), infeasible(0.1, 0, 0)), false);
  });

  void test('two feasible points compare by Pareto dominance', () => {
    assert.equal(constrainedDominates(feasible(1, 2), feasible(2, 2)), true);
    assert.equal(constrainedDominates(feasible(2, 2), feasible(1, 2)), false);
    assert.equal(constrainedDominates(feasible(1, 3), feasible(2, 2)), false);
    assert.equal(constrainedDominates(feasible(2, 2), feasible(1, 3)), false);
  });
});
