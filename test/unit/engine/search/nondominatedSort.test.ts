import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { crowdingDistance } from '../../../../server/src/engine/search/crowdingDistance';
import {
  firstFront,
  nondominatedSort,
  ranksOf,
} from '../../../../server/src/engine/search/nondominatedSort';

const feasible = (...objectives: number[]) => ({ objectives, violation: 0 });
const infeasible = (violation: number, ...objectives: number[]) => ({ objectives, violation });

void describe('fast non-dominated sort', () => {
  //   y
  //   6 |                    6
  //   5 | 0        5
  //   4 |       3
  //   3 |   1,7
  //   2 |             4
  //   1 |          2
  //     +-------------------- x
  //       1  2  3  4  5  6
  const points = [
    feasible(1, 5), // 0: front 0
    feasible(2, 3), // 1: front 0
    feasible(4, 1), // 2: front 0
    feasible(3, 4), // 3: dominated by 1 only → front 1
    feasible(5, 2), // 4: dominated by 2 only → front 1
    feasible(4, 5), // 5: dominated by 0, 1, 3 → front 2 (3 is in front 1)
    feasible(6, 6), // 6: dominated by all of 0–5, deepest by 5 → front 3
    feasible(2, 3), // 7: a copy of 1: neither dominates the other → front 0
  ];

  void test('finds the fronts of a hand-made set', () => {
    assert.deepEqual(nondominatedSort(points), [[0, 1, 2, 7], [3, 4], [5], [6]]);
    assert.deepEqual(ranksOf(nondominatedSort(points), points.length), [0, 0, 0, 1, 1, 2, 3, 0]);
    assert.deepEqual(firstFront(points), [0, 1, 2, 7]);
  });

  void test('puts infeasible points after all feasible ones, least violating first', () => {
    const withInfeasible = [
      ...points,
      infeasible(0.5, 0, 0), // 8: best objectives, worst violation → last front
      infeasible(0.2, 0, 0), // 9
      infeasible(0.2, 9, 9), // 10: same violation as 9 → same front, objectives aside
    ];
    assert.deepEqual(nondominatedSort(withInfeasible), [
      [0, 1, 2, 7],
      [3, 4],
      [5],
      [6],
      [9, 10],
      [8],
    ]);
  });

  void test('handles three objectives, one point and none', () => {
    assert.deepEqual(
      nondominatedSort([
        feasible(1, 1, 1),
        feasible(0, 2, 2),
        feasible(2, 2, 2),
        feasible(1, 1, 3),
      ]),
      [
        [0, 1],
        [2, 3],
      ],
    );
    assert.deepEqual(nondominatedSort([feasible(3, 3)]), [[0]]);
    assert.deepEqual(nondominatedSort([]), []);
  });
});

void describe('crowding distance', () => {
  void test('matches hand-computed distances on a 2-D front', () => {
    // Ranges: x 10, y 20. Neighbour gaps (sorted by x; by y):
    //   B(1,10): x (3−0)/10 = 0.3, y (20−6)/20 = 0.7 → 1.0
    //   C(3,6):  x (7−1)/10 = 0.6, y (10−4)/20 = 0.3 → 0.9
    //   D(7,4):  x (10−3)/10 = 0.7, y (6−0)/20 = 0.3 → 1.0
    const d = crowdingDistance([
      [0, 20],
      [1, 10],
      [3, 6],
      [7, 4],
      [10, 0],
    ]);
    assert.equal(d[0], Infinity);
    assert.equal(d[4], Infinity);
    [1.0, 0.9, 1.0].forEach((v, i) => assert.ok(Math.abs(d[i + 1] - v) < 1e-12, `${d[i + 1]}`));
  });

  void test('matches hand-computed distances on a 3-D front', () => {
    // Every range is 4. Sorted by x: P0 P1 P2 P3; by y: P0 P2 P1 P3; by z: P3 P2 P1 P0.
    //   P1: x (2−0)/4 + y (4−1)/4 + z (4−1)/4 = 0.5 + 0.75 + 0.75 = 2
    //   P2: x (4−1)/4 + y (2−0)/4 + z (2−0)/4 = 0.75 + 0.5 + 0.5 = 1.75
    const d = crowdingDistance([
      [0, 0, 4],
      [1, 2, 2],
      [2, 1, 1],
      [4, 4, 0],
    ]);
    assert.deepEqual(d, [Infinity, 2, 1.75, Infinity]);
  });

  void test('an objective with no range adds nothing', () => {
    assert.deepEqual(
      crowdingDistance([
        [1, 5],
        [2, 5],
        [3, 5],
      ]),
      [Infinity, 1, Infinity],
    );
  });

  void test('fronts of one or two points are all boundary', () => {
    assert.deepEqual(crowdingDistance([[1, 2]]), [Infinity]);
    assert.deepEqual(
      crowdingDistance([
        [1, 2],
        [2, 1],
      ]),
      [Infinity, Infinity],
    );
    assert.deepEqual(crowdingDistance([]), []);
  });
});
