import { Rng } from '#shared/rng';
import { kendallTauB } from './rankCorrelation';

/**
 * The statistics that say whether a supernet's ranking of subnets can be trusted, beside
 * the trivial baseline (ordering subnets by their FLOPs) and with their noise.
 */

/**
 * Kendall's partial τ of x and y given z: (τxy − τxz·τyz) / √((1 − τxz²)(1 − τyz²)).
 * With z = FLOPs it says how much of the supernet's ranking is more than "bigger is
 * better". NaN when z orders x or y perfectly (nothing is left to correlate).
 */
export function partialKendallTau(
  x: readonly number[],
  y: readonly number[],
  z: readonly number[],
): number {
  const xy = kendallTauB(x, y);
  const xz = kendallTauB(x, z);
  const yz = kendallTauB(y, z);
  const d = Math.sqrt((1 - xz * xz) * (1 - yz * yz));
  return d > 0 ? (xy - xz * yz) / d : NaN;
}

/**
 * A percentile bootstrap confidence interval of a paired statistic: `resamples` draws of n
 * pairs with replacement (seeded: the same inputs give the same interval), the statistic
 * of each, and the (1 − level)/2 and (1 + level)/2 quantiles of the finite ones. NaN
 * bounds when fewer than half the draws give a number (e.g. a constant resample).
 */
export function bootstrapInterval(
  x: readonly number[],
  y: readonly number[],
  statistic: (x: number[], y: number[]) => number,
  options: BootstrapOptions = {},
): [number, number] {
  const pick = (v: readonly number[], idx: readonly number[]) => idx.map((k) => v[k]);
  return bootstrapIndexInterval(x.length, (idx) => statistic(pick(x, idx), pick(y, idx)), options);
}

export interface BootstrapOptions {
  resamples?: number;
  level?: number;
  seed?: number;
}

/**
 * The same interval for a statistic of any number of paired columns: each draw is n row
 * indices with replacement, handed to `statistic`, so every column is resampled together
 * (a difference of two τs over the same subnets keeps its pairing).
 */
export function bootstrapIndexInterval(
  n: number,
  statistic: (rows: number[]) => number,
  options: BootstrapOptions = {},
): [number, number] {
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  const rng = new Rng(options.seed ?? 0);
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) rows.push(rng.int(n));
    const v = statistic(rows);
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length < resamples / 2) return [NaN, NaN];
  values.sort((a, b) => a - b);
  return [quantile(values, (1 - level) / 2), quantile(values, (1 + level) / 2)];
}

/**
 * How the supernet's ranking compares with counting FLOPs, with the noise of which subnets
 * were drawn: the paired bootstrap interval of τ(x, y) − τ(z, y) (x the supernet's
 * accuracies, y the stand-alone ones, z the FLOPs), and that of the partial τ of x and y
 * given z. A lower end above 0 says, at 95%, that the supernet ranks better than FLOPs,
 * or that it adds to them.
 */
export function flopsComparison(
  x: readonly number[],
  y: readonly number[],
  z: readonly number[],
  seed = 0,
): { advantageInterval: [number, number]; partialInterval: [number, number] } {
  const cols = (idx: readonly number[]) => [x, y, z].map((v) => idx.map((k) => v[k]));
  return {
    advantageInterval: bootstrapIndexInterval(
      x.length,
      (idx) => {
        const [a, b, c] = cols(idx);
        return kendallTauB(a, b) - kendallTauB(c, b);
      },
      { seed },
    ),
    partialInterval: bootstrapIndexInterval(
      x.length,
      (idx) => {
        const [a, b, c] = cols(idx);
        return partialKendallTau(a, b, c);
      },
      { seed },
    ),
  };
}

/** The q-quantile of sorted values, linear between order statistics (type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The noise ceiling: τ between two stand-alone trainings (other seeds) of the same
 * subnets. No predictor can be expected to rank them better than training itself repeats.
 */
export const noiseCeiling = (seedA: readonly number[], seedB: readonly number[]): number =>
  kendallTauB(seedA, seedB);

/** How many of the k best by `predicted` are among the k best by `truth`, over k. */
export function topKOverlap(
  predicted: readonly number[],
  truth: readonly number[],
  k: number,
): number {
  const top = (v: readonly number[]) =>
    new Set(
      v
        .map((value, i) => ({ value, i }))
        .sort((a, b) => b.value - a.value || a.i - b.i)
        .slice(0, k)
        .map((e) => e.i),
    );
  const a = top(predicted);
  let shared = 0;
  for (const i of top(truth)) if (a.has(i)) shared++;
  return k > 0 ? shared / Math.min(k, predicted.length) : NaN;
}

/**
 * The subnet the predictor picks under a FLOPs limit (highest predicted among those within
 * it) and the truly best there: their true scores, and the regret (best − picked, ≥ 0).
 * Undefined when no subnet is within the limit.
 */
export function bestPickUnder(
  predicted: readonly number[],
  truth: readonly number[],
  flops: readonly number[],
  limit: number,
): { picked: number; best: number; regret: number } | undefined {
  const within = flops.map((_, i) => i).filter((i) => flops[i] <= limit);
  if (within.length === 0) return undefined;
  const argmax = (v: readonly number[]) =>
    within.reduce((b, i) => (v[i] > v[b] || (v[i] === v[b] && i < b) ? i : b), within[0]);
  const picked = truth[argmax(predicted)];
  const best = truth[argmax(truth)];
  return { picked, best, regret: best - picked };
}
