import test from 'node:test';
import assert from 'node:assert/strict';
import type { CandidatePoint } from '#shared/charts/chartModel';
import {
  availableMetrics,
  constraintBoundary,
  defaultAxes,
  directionOf,
  isFeasible,
  paretoFront,
} from '#shared/charts/paretoAxes';

const p = (key: string, accuracy: number, flops: number, params = 1, latency?: number) =>
  ({
    key,
    accuracy,
    flops,
    params,
    ...(latency === undefined ? {} : { latency }),
  }) as CandidatePoint;

const POINTS = [
  p('a', 0.7, 100, 5),
  p('b', 0.8, 200, 9),
  p('c', 0.75, 250, 4), // dominated on flops by b (more flops, less accurate)
  p('d', 0.9, 400, 8),
  p('e', 0.65, 100, 3), // dominated by a (same flops, less accurate)
  p('f', 0.95, 900, 7),
];
const keys = (xs: CandidatePoint[]) => xs.map((x) => x.key);

void test('front of accuracy (max) against FLOPs (min), ordered by x', () => {
  const front = paretoFront(POINTS, { x: 'flops', y: 'accuracy' }, { x: 'min', y: 'max' });
  assert.deepEqual(keys(front), ['a', 'b', 'd', 'f']);
});

void test('another pair of axes gives another front', () => {
  // accuracy max vs params min: e(3,.65) c(4,.75) a(5,.7)✗ f(7,.95) d(8,.9)✗ b(9,.8)✗
  const front = paretoFront(POINTS, { x: 'params', y: 'accuracy' }, { x: 'min', y: 'max' });
  assert.deepEqual(keys(front), ['e', 'c', 'f']);
});

void test('the directions matter: minimising both keeps only the cheapest-worst corner', () => {
  const front = paretoFront(POINTS, { x: 'flops', y: 'accuracy' }, { x: 'min', y: 'min' });
  assert.deepEqual(keys(front), ['e']);
});

void test('infeasible points are not on the front; equal points both are', () => {
  const pts = [...POINTS, p('a2', 0.7, 100, 6)];
  const front = paretoFront(pts, { x: 'flops', y: 'accuracy' }, { x: 'min', y: 'max' }, [
    'flops <= 500',
  ]);
  assert.deepEqual(keys(front).sort(), ['a', 'a2', 'b', 'd']);
  const judged = [{ ...p('z', 0.99, 1), feasible: false }];
  assert.deepEqual(paretoFront(judged, { x: 'flops', y: 'accuracy' }, { x: 'min', y: 'max' }), []);
});

void test('points without a figure of an axis are left out (unmeasured latency)', () => {
  const pts = [p('a', 0.7, 1, 1, 2.0), p('b', 0.8, 1, 1), p('c', 0.6, 1, 1, 1.0)];
  const front = paretoFront(pts, { x: 'latency', y: 'accuracy' }, { x: 'min', y: 'max' });
  assert.deepEqual(keys(front), ['c', 'a']);
});

void test('axes: the first two objectives, accuracy up; latency only once measured', () => {
  assert.deepEqual(availableMetrics(POINTS), ['accuracy', 'flops', 'params']);
  assert.deepEqual(availableMetrics([p('a', 1, 1, 1, 3)]), [
    'accuracy',
    'flops',
    'params',
    'latency',
  ]);
  const acc = { name: 'accuracy', direction: 'max' } as const;
  const flops = { name: 'flops', direction: 'min' } as const;
  const latency = { name: 'latency', direction: 'min' } as const;
  assert.deepEqual(defaultAxes([acc, flops], ['accuracy', 'flops', 'params']), {
    x: 'flops',
    y: 'accuracy',
  });
  // Latency is an objective but nothing was measured: the next figure stands in.
  assert.deepEqual(defaultAxes([latency, acc], ['accuracy', 'flops', 'params']), {
    x: 'flops',
    y: 'accuracy',
  });
  assert.deepEqual(defaultAxes([latency, acc], ['accuracy', 'flops', 'latency']), {
    x: 'latency',
    y: 'accuracy',
  });
  assert.equal(directionOf('params', [acc]), 'min');
  assert.equal(directionOf('accuracy', [{ name: 'accuracy', direction: 'min' }]), 'min');
});

void test('constraint boundary: a line per constraint on a shown axis, the rest listed', () => {
  const b = constraintBoundary(['flops <= 400k', 'accuracy >= 80%', 'params < 50k', 'speed < 3'], {
    x: 'flops',
    y: 'accuracy',
  });
  assert.deepEqual(b.lines, [
    { axis: 'x', value: 400_000, upper: true, text: 'flops <= 400k' },
    { axis: 'y', value: 0.8, upper: false, text: 'accuracy >= 80%' },
  ]);
  assert.deepEqual(b.offAxis, ['params < 50k']);
  assert.equal(b.errors.length, 1);
  assert.match(b.errors[0], /Unknown metric 'speed'/);
});

void test('feasibility: the engine verdict first, else the constraints', () => {
  assert.equal(isFeasible(p('a', 0.7, 500), ['flops <= 400']), false);
  assert.equal(isFeasible(p('a', 0.7, 300), ['flops <= 400']), true);
  assert.equal(isFeasible({ ...p('a', 0.7, 500), feasible: true }, ['flops <= 400']), true);
  // A latency bound cannot be met by a subnet that was never measured.
  assert.equal(isFeasible(p('a', 0.7, 1), ['latency < 1ms']), false);
});
