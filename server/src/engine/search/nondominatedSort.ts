import { constrainedDominates, type Score } from './dominance';

/**
 * Fast non-dominated sort (Deb, Pratap, Agarwal & Meyarivan 2002), O(M·N²): fronts of
 * indices into `points`, best first, each in ascending index order. Uses constraint
 * domination, so feasible points fill the first fronts and infeasible ones follow,
 * least violating first.
 */
export function nondominatedSort(
  points: readonly Score[],
  better: (a: Score, b: Score) => boolean = constrainedDominates,
): number[][] {
  const n = points.length;
  const dominated: number[][] = Array.from({ length: n }, () => []);
  const dominatedBy = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    for (let q = p + 1; q < n; q++) {
      if (better(points[p], points[q])) {
        dominated[p].push(q);
        dominatedBy[q]++;
      } else if (better(points[q], points[p])) {
        dominated[q].push(p);
        dominatedBy[p]++;
      }
    }
  }
  const fronts: number[][] = [];
  let front: number[] = [];
  for (let p = 0; p < n; p++) if (dominatedBy[p] === 0) front.push(p);
  while (front.length > 0) {
    fronts.push(front);
    const next: number[] = [];
    for (const p of front) {
      for (const q of dominated[p]) if (--dominatedBy[q] === 0) next.push(q);
    }
    front = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** The rank (0 = first front) of every point, from the fronts of `nondominatedSort`. */
export function ranksOf(fronts: readonly (readonly number[])[], n: number): number[] {
  const rank = new Array<number>(n).fill(-1);
  fronts.forEach((f, r) => f.forEach((i) => (rank[i] = r)));
  return rank;
}

/** Indices of the points no other point constraint-dominates, in ascending order. */
export function firstFront(points: readonly Score[]): number[] {
  return nondominatedSort(points)[0] ?? [];
}
