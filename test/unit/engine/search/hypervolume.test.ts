import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '#shared/rng';
import {
  boundsOf,
  hypervolume,
  referencePoint,
} from '../../../../server/src/engine/search/hypervolume';

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} ≠ ${expected} (±${tol})`);

void describe('2-D hypervolume', () => {
  // A staircase against (4, 4): strips 3·1 + 2·1 + 1·1 (sweeping by x).
  const stairs = [
    [1, 3],
    [2, 2],
    [3, 1],
  ];

  void test('of a hand-computed staircase', () => {
    assert.equal(hypervolume(stairs, [4, 4]), 6);
    assert.equal(hypervolume([[0, 0]], [4, 4]), 16);
    assert.equal(hypervolume([[1, 2]], [4, 4]), 6);
  });

  void test('ignores dominated, duplicate and out-of-reference points, in any order', () => {
    const noisy = [
      [3, 1],
      [2.5, 2.5], // dominated by (2, 2)
      [2, 2],
      [5, 0], // beyond the reference in x
      [0, 4], // on the reference: no volume
      [1, 3],
      [2, 2], // duplicate
    ];
    assert.equal(hypervolume(noisy, [4, 4]), 6);
    assert.equal(hypervolume([], [4, 4]), 0);
    assert.equal(hypervolume([[4, 4]], [4, 4]), 0);
  });

  void test('two overlapping boxes count their union once', () => {
    // Against (3, 4): box of (0,2) = 3·2, box of (2,0) = 1·4, their overlap [2,3]×[2,4] = 1·2.
    assert.equal(
      hypervolume(
        [
          [0, 2],
          [2, 0],
        ],
        [3, 4],
      ),
      8,
    );
  });

  void test('1-D is the distance from the best point to the reference', () => {
    assert.equal(hypervolume([[3], [1], [5]], [4]), 3);
  });

  void test('rejects points of another dimension than the reference', () => {
    assert.throws(() => hypervolume([[1, 2, 3]], [4, 4]), /3 objectives, the reference point 2/);
  });
});

void describe('3-D hypervolume', () => {
  void test('of hand-computed boxes', () => {
    assert.equal(hypervolume([[1, 1, 1]], [3, 3, 3]), 8);
    // 3·3·1 + 1·1·3 − their overlap [2,3]³ = 9 + 3 − 1.
    assert.equal(
      hypervolume(
        [
          [0, 0, 2],
          [2, 2, 0],
        ],
        [3, 3, 3],
      ),
      11,
    );
    // Three 1·1·3 bars along each axis, pairwise and triply overlapping in [2,3]³: 9 − 3 + 1.
    assert.equal(
      hypervolume(
        [
          [0, 2, 2],
          [2, 0, 2],
          [2, 2, 0],
        ],
        [3, 3, 3],
      ),
      7,
    );
  });

  void test('with all points in one plane equals the 2-D hypervolume times the depth', () => {
    const rng = new Rng(3);
    const flat = Array.from({ length: 40 }, () => [rng.next(), rng.next()]);
    close(
      hypervolume(
        flat.map(([x, y]) => [x, y, 0]),
        [1, 1, 2],
      ),
      2 * hypervolume(flat, [1, 1]),
    );
  });

  void test('equals the count of dominated unit cells for integer points', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 5; trial++) {
      const pts = Array.from({ length: 25 }, () => [rng.int(10), rng.int(10), rng.int(10)]);
      let cells = 0;
      for (let i = 0; i < 10; i++)
        for (let j = 0; j < 10; j++)
          for (let k = 0; k < 10; k++)
            if (pts.some((p) => p[0] <= i && p[1] <= j && p[2] <= k)) cells++;
      assert.equal(hypervolume(pts, [10, 10, 10]), cells);
    }
  });

  void test('agrees with a seeded Monte-Carlo estimate on random sets', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 3; trial++) {
      // Points near the sphere octant, a front-like set, plus some dominated ones.
      const pts = Array.from({ length: 30 }, () => {
        const v = [rng.next(), rng.next(), rng.next()].map((x) => x + 0.05);
        const r = Math.hypot(...v) / (0.6 + 0.3 * rng.next());
        return v.map((x) => x / r);
      });
      const samples = 100_000;
      let hits = 0;
      for (let s = 0; s < samples; s++) {
        const q = [rng.next(), rng.next(), rng.next()];
        if (pts.some((p) => p[0] <= q[0] && p[1] <= q[1] && p[2] <= q[2])) hits++;
      }
      // Standard error √(p(1−p)/n) ≤ 0.0016; allow about 6 of them.
      close(hypervolume(pts, [1, 1, 1]), hits / samples, 0.01);
    }
  });
});

void describe('more objectives (recursive slicing)', () => {
  void test('of hand-computed 4-D boxes', () => {
    assert.equal(hypervolume([[1, 1, 1, 1]], [2, 3, 4, 5]), 1 * 2 * 3 * 4);
    // 2·2·2·1 + 1·1·1·2 − overlap 1·1·1·1.
    assert.equal(
      hypervolume(
        [
          [0, 0, 0, 1],
          [1, 1, 1, 0],
        ],
        [2, 2, 2, 2],
      ),
      9,
    );
  });

  void test('a 4th objective fixed at 0 gives the 3-D hypervolume times its depth', () => {
    const rng = new Rng(5);
    const pts = Array.from({ length: 20 }, () => [rng.next(), rng.next(), rng.next()]);
    close(
      hypervolume(
        pts.map((p) => [...p, 0]),
        [1, 1, 1, 3],
      ),
      3 * hypervolume(pts, [1, 1, 1]),
    );
  });
});

void describe('reference point', () => {
  void test('lies 10% of the range beyond the worst value, in the bounds’ own directions', () => {
    // accuracy: best 1, worst 0 → −0.1; FLOPs: best 1M, worst 5M → 5.4M.
    const r = referencePoint([
      [1, 0],
      [1e6, 5e6],
    ]);
    close(r[0], -0.1);
    close(r[1], 5.4e6, 1e-6);
    // The same bounds minimised (accuracy negated) give the negated point.
    close(referencePoint([[-1, -0]])[0], 0.1);
    assert.deepEqual(referencePoint([[0, 2]], 0.5), [3]);
  });

  void test('moves a degenerate objective by the margin of its magnitude (at least 1)', () => {
    assert.deepEqual(referencePoint([[5, 5]]), [5.5]);
    assert.deepEqual(referencePoint([[0, 0]]), [0.1]);
  });

  void test('from the bounds of a set, makes every point of it count', () => {
    const pts = [
      [1, 4],
      [2, 2],
      [4, 1],
    ];
    assert.deepEqual(boundsOf(pts), [
      [1, 4],
      [1, 4],
    ]);
    const ref = referencePoint(boundsOf(pts));
    close(ref[0], 4.3);
    close(ref[1], 4.3);
    // Strips: 3.3·0.3 + 2.3·2 + 0.3·1 (by x: (1,4), (2,2), (4,1)).
    close(hypervolume(pts, ref), 3.3 * 0.3 + 2.3 * 2 + 0.3 * 1);
  });
});
