import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  EXHAUSTIVE_CHOICES,
  bestPartition,
  cosineSimilarities,
  crossGroupSimilarity,
  meanMatrix,
  partitions,
  rangePartitions,
} from '../../../../server/src/engine/train/gradientMatching';

/**
 * GM-NAS's split criterion on a hand-computed example: four choices whose gradients on the
 * shared weights are
 *   g0 = (1, 0, 0), g1 = (1, 1, 0), g2 = (0, 0, 1), g3 = (0, 1, 2),
 * so cos(g0, g1) = 1/√2, cos(g2, g3) = 2/√5, cos(g1, g3) = 1/√10 and the other pairs 0.
 */
const g = [
  [1, 0, 0],
  [1, 1, 0],
  [0, 0, 1],
  [0, 1, 2],
].map((v) => Float32Array.from(v));
const c01 = 1 / Math.sqrt(2);
const c23 = 2 / Math.sqrt(5);
const c13 = 1 / Math.sqrt(10);
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-7, `${a} vs ${b}`);

void describe('gradient matching (GM-NAS)', () => {
  void test('cosine similarities of the choices’ gradients', () => {
    const sim = cosineSimilarities(g);
    const want = [
      [1, c01, 0, 0],
      [c01, 1, 0, c13],
      [0, 0, 1, c23],
      [0, c13, c23, 1],
    ];
    want.forEach((row, i) => row.forEach((w, j) => close(sim[i][j], w)));
  });

  void test('a choice that moves no shared weight agrees with nothing', () => {
    const sim = cosineSimilarities([Float32Array.from([0, 0]), Float32Array.from([1, 2])]);
    assert.deepEqual(sim, [
      [0, 0],
      [0, 1],
    ]);
  });

  void test('into 2: the pairs that agree go together; the score is the mean cut', () => {
    const sim = cosineSimilarities(g);
    // {0,1} | {2,3} cuts (0,2), (0,3), (1,2), (1,3): 0, 0, 0 and 1/√10.
    close(
      crossGroupSimilarity(sim, [
        [0, 1],
        [2, 3],
      ]),
      c13 / 4,
    );
    // {0} | {1,2,3} cuts 1/√2, 0, 0; {0,2} | {1,3} cuts 1/√2, 0, 0, 2/√5.
    close(crossGroupSimilarity(sim, [[0], [1, 2, 3]]), c01 / 3);
    close(
      crossGroupSimilarity(sim, [
        [0, 2],
        [1, 3],
      ]),
      (c01 + c23) / 4,
    );
    const best = bestPartition(sim, 2);
    assert.deepEqual(best.partition, [
      [0, 1],
      [2, 3],
    ]);
    close(best.score, c13 / 4);
  });

  void test('into 3: the most similar pair stays together', () => {
    const best = bestPartition(cosineSimilarities(g), 3);
    // {0} | {1} | {2,3} cuts 1/√2, 0, 0, 0, 1/√10 — lower than {0,1} | {2} | {3}, which cuts 2/√5.
    assert.deepEqual(best.partition, [[0], [1], [2, 3]]);
    close(best.score, (c01 + c13) / 5);
  });

  void test('the matrices of several batches are averaged', () => {
    assert.deepEqual(
      meanMatrix([
        [
          [1, 0.2],
          [0.2, 1],
        ],
        [
          [1, 0.4],
          [0.4, 1],
        ],
      ]).map((r) => r.map((x) => Math.round(x * 10) / 10)),
      [
        [1, 0.3],
        [0.3, 1],
      ],
    );
  });

  void test('every grouping into k non-empty groups, once each (Stirling numbers)', () => {
    const stirling: [number, number, number][] = [
      [4, 2, 7],
      [5, 3, 25],
      [6, 3, 90],
      [7, 4, 350],
      [3, 3, 1],
    ];
    for (const [n, k, count] of stirling) {
      const all = [...partitions(n, k)];
      assert.equal(all.length, count, `S(${n}, ${k})`);
      const keys = new Set(all.map((p) => JSON.stringify(p)));
      assert.equal(keys.size, count);
      for (const p of all) {
        assert.equal(p.length, k);
        assert.deepEqual(
          p.flat().sort((a, b) => a - b),
          Array.from({ length: n }, (_, i) => i),
        );
        assert.ok(p.every((grp) => grp.length > 0));
      }
    }
    assert.equal([...partitions(2, 3)].length, 0);
  });

  void test('beyond the exhaustive bound, contiguous ranges of the sorted choices', () => {
    const ranges = [...rangePartitions(5, 3)];
    assert.equal(ranges.length, 6); // C(4, 2)
    assert.deepEqual(ranges[0], [[0], [1], [2, 3, 4]]);
    const n = EXHAUSTIVE_CHOICES + 2;
    // Two runs of similar choices: the cut falls between them.
    const sim = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i < 5 === j < 5 ? 0.9 : 0.1)),
    );
    const best = bestPartition(sim, 2);
    assert.deepEqual(best.partition, [
      [0, 1, 2, 3, 4],
      Array.from({ length: n - 5 }, (_, i) => 5 + i),
    ]);
  });
});
