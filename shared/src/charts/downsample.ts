/**
 * Thins curves that share one x axis for drawing. uPlot draws a few thousand points
 * per chart smoothly, a run logs up to hundreds of thousands of steps. Each of
 * `buckets` equal slices of the index range keeps, for every curve, its smallest and
 * largest value, so spikes survive; the first and last points always stay.
 * Returns ascending indices into the original arrays, at most `maxPoints` of them.
 */
export function downsampleIndices(
  length: number,
  curves: readonly (readonly (number | null)[])[],
  maxPoints: number,
): number[] {
  const limit = Math.max(2, Math.floor(maxPoints));
  if (length <= limit) return Array.from({ length }, (_, i) => i);
  const perBucket = 2 * Math.max(1, curves.length);
  const buckets = Math.max(1, Math.floor((limit - 2) / perBucket));
  const keep = new Uint8Array(length);
  keep[0] = 1;
  keep[length - 1] = 1;
  const size = (length - 2) / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * size);
    const to = b === buckets - 1 ? length - 1 : 1 + Math.floor((b + 1) * size);
    if (curves.length === 0) {
      keep[from] = 1;
      continue;
    }
    for (const curve of curves) {
      let lo = -1;
      let hi = -1;
      for (let i = from; i < to; i++) {
        const v = curve[i];
        if (v === null || v === undefined || !Number.isFinite(v)) continue;
        if (lo < 0 || v < (curve[lo] as number)) lo = i;
        if (hi < 0 || v > (curve[hi] as number)) hi = i;
      }
      if (lo >= 0) keep[lo] = 1;
      if (hi >= 0) keep[hi] = 1;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < length; i++) if (keep[i]) out.push(i);
  return out;
}

/** The entries of `values` at `indices`, for each curve thinned by `downsampleIndices`. */
export function pick<T>(values: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => values[i]);
}

/**
 * `[x, ...curves]` thinned to at most about `maxPoints` points, as uPlot's aligned data:
 * the one call a chart makes per redraw.
 */
export function thinAligned(
  x: readonly number[],
  curves: readonly (readonly (number | null)[])[],
  maxPoints: number,
): [number[], ...(number | null)[][]] {
  const keep = downsampleIndices(x.length, curves, maxPoints);
  return [pick(x, keep), ...curves.map((c) => pick(c, keep))];
}
