/**
 * Hypervolume (the Lebesgue measure of the region a set of points dominates, up to a
 * reference point) for minimisation. Only points strictly better than the reference in
 * every objective count: a point on or beyond it dominates no volume inside the box.
 *
 * Exact algorithms: 2-D by one sort and a sweep, O(n log n); 3-D by slicing along the
 * third objective and sweeping each slice with the points kept sorted, O(n²); more
 * objectives by the same slicing recursively (HSO, While et al. 2006), O(n^(M−1)),
 * meant for the small fronts of a search, not for benchmarks.
 */
export function hypervolume(
  points: readonly (readonly number[])[],
  reference: readonly number[],
): number {
  const m = reference.length;
  for (const p of points) {
    if (p.length !== m) {
      throw new Error(`A point has ${p.length} objectives, the reference point ${m}.`);
    }
  }
  const inside = points.filter((p) => p.every((v, i) => v < reference[i]));
  if (inside.length === 0) return 0;
  switch (m) {
    case 1:
      return reference[0] - Math.min(...inside.map((p) => p[0]));
    case 2:
      return hv2(sortedByX(inside), reference[0], reference[1]);
    default:
      return hvSliced(inside, reference);
  }
}

/** Copy of 2-D `points` sorted by x, ties by y so the sweep order is fully determined. */
function sortedByX(points: readonly (readonly number[])[]): (readonly number[])[] {
  return [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** 2-D sweep over points sorted by x: each new lowest y adds a strip from it to the last one. */
function hv2(byX: readonly (readonly number[])[], rx: number, ry: number): number {
  let area = 0;
  let y = ry;
  for (const p of byX) {
    if (p[1] < y) {
      area += (rx - p[0]) * (y - p[1]);
      y = p[1];
    }
  }
  return area;
}

/** Slices along the last objective: between consecutive levels the volume is a prism over an (M−1)-D hypervolume. */
function hvSliced(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const m = reference.length;
  const last = m - 1;
  const byLast = [...points].sort((a, b) => a[last] - b[last]);
  const ref = reference.slice(0, last);
  let volume = 0;
  if (m === 3) {
    // Keep the slice sorted by x with insertions so each 2-D sweep is O(n), not O(n log n).
    const slice: (readonly number[])[] = [];
    for (let k = 0; k < byLast.length; k++) {
      insertSorted(slice, byLast[k]);
      const top = k + 1 < byLast.length ? byLast[k + 1][last] : reference[last];
      if (top > byLast[k][last]) volume += hv2(slice, ref[0], ref[1]) * (top - byLast[k][last]);
    }
    return volume;
  }
  for (let k = 0; k < byLast.length; k++) {
    const top = k + 1 < byLast.length ? byLast[k + 1][last] : reference[last];
    if (top > byLast[k][last]) {
      const slice = byLast.slice(0, k + 1).map((p) => p.slice(0, last));
      volume += hypervolume(slice, ref) * (top - byLast[k][last]);
    }
  }
  return volume;
}

function insertSorted(byX: (readonly number[])[], p: readonly number[]): void {
  let lo = 0;
  let hi = byX.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const q = byX[mid];
    if (q[0] < p[0] || (q[0] === p[0] && q[1] <= p[1])) lo = mid + 1;
    else hi = mid;
  }
  byX.splice(lo, 0, p);
}

/** Best and worst value an objective can take, e.g. `[1, 0]` for accuracy, `[minFlops, maxFlops]`. */
export type ObjectiveBounds = readonly [best: number, worst: number];

/** How far beyond the worst value the reference point lies, as a fraction of the range. */
export const REFERENCE_MARGIN = 0.1;

/**
 * A reference point just beyond the worst value of each objective: worst + margin·(worst − best).
 * The margin lets the extreme points of a front (the worst in one objective) still add
 * volume. The formula is linear, so bounds may be given in the objectives' own
 * directions (accuracy `[1, 0]` gives −0.1) or already minimised (`[−1, 0]` gives 0.1):
 * the result is in the same space as the bounds. With best = worst the direction is
 * unknown; the point is then taken as minimised and moved by margin·max(|worst|, 1).
 */
export function referencePoint(
  bounds: readonly ObjectiveBounds[],
  margin: number = REFERENCE_MARGIN,
): number[] {
  return bounds.map(([best, worst]) =>
    worst === best
      ? worst + margin * Math.max(Math.abs(worst), 1)
      : worst + margin * (worst - best),
  );
}

/** Per-objective [min, max] over a set of minimisation points: the bounds `referencePoint` wants. */
export function boundsOf(points: readonly (readonly number[])[]): ObjectiveBounds[] {
  if (points.length === 0) return [];
  return points[0].map((_, i) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of points) {
      lo = Math.min(lo, p[i]);
      hi = Math.max(hi, p[i]);
    }
    return [lo, hi] as const;
  });
}
