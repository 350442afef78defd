import { Rng } from '#shared/rng';
import { kendallTauB } from '../search/rankCorrelation';
import { quantile } from '../search/rankingStats';

/**
 * Whether a supernet ranks subnets better than the strongest cheap baseline, as a reviewer
 * would have it: the paired bootstrap interval of τ(supernet) − τ(best baseline) against
 * the same truth in each draw, where a draw resamples every source of noise the claim has:
 * the subnets (rows, with replacement), each subnet's stand-alone seeds (its truth is the
 * mean of a resample of its own runs: seed noise is independent between subnets), and the
 * supernet's seeds (one of its columns per draw). The best baseline is chosen again in
 * every draw, so picking it after seeing the data is paid for in the interval.
 */

export interface ClaimInput {
  /** The supernet's score of each subnet, one column per supernet seed (higher = better). */
  predicted: readonly (readonly number[])[];
  /** Each subnet's stand-alone accuracies, one per seed that trained it. */
  truthRuns: readonly (readonly number[])[];
  /**
   * Cheap predictors of the same subnets (higher = predicted better): one column, or one per
   * supernet seed where the predictor depends on it (a zero-cost proxy at that seed's
   * initial weights), paired with the supernet's column of the same seed in each draw.
   */
  baselines: readonly {
    name: string;
    values: readonly number[] | readonly (readonly number[])[];
  }[];
}

export interface Claim {
  /** τ-b of the supernet against the mean truth (the mean over supernet seeds). */
  kendallTau: number;
  /** Each baseline's τ-b against the mean truth. */
  baselines: { name: string; kendallTau: number }[];
  /** The baseline with the highest τ. */
  best: string;
  /** τ − the best baseline's τ. */
  advantage: number;
  /** Its 95% paired bootstrap interval (subnets, truth seeds and supernet seeds resampled). */
  advantageInterval: [number, number];
}

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;

export function pairedClaim(
  input: ClaimInput,
  options: { resamples?: number; seed?: number } = {},
): Claim {
  const { predicted, truthRuns, baselines } = input;
  const k = truthRuns.length;
  if (!predicted.length || predicted.some((c) => c.length !== k) || !baselines.length)
    throw new Error('pairedClaim: one score per subnet in every column, and a baseline');
  const truth = truthRuns.map(mean);
  const columnsOf = (v: readonly number[] | readonly (readonly number[])[]) =>
    (typeof v[0] === 'number' ? [v] : v) as readonly (readonly number[])[];
  const bases = baselines.map((b) => ({ name: b.name, columns: columnsOf(b.values) }));
  if (bases.some((b) => b.columns.length !== 1 && b.columns.length !== predicted.length))
    throw new Error('pairedClaim: a baseline has one column, or one per supernet seed');
  const taus = bases.map((b) => ({
    name: b.name,
    kendallTau: mean(b.columns.map((c) => kendallTauB(c, truth))),
  }));
  const best = taus.reduce((a, b) => (b.kendallTau > a.kendallTau ? b : a));
  const kendallTau = mean(predicted.map((c) => kendallTauB(c, truth)));

  const rng = new Rng(options.seed ?? 0);
  const resamples = options.resamples ?? 2000;
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const rows = Array.from({ length: k }, () => rng.int(k));
    const t = rows.map((i) => {
      const runs = truthRuns[i];
      let s = 0;
      for (let j = 0; j < runs.length; j++) s += runs[rng.int(runs.length)];
      return s / runs.length;
    });
    const seed = rng.int(predicted.length);
    const column = predicted[seed];
    const tau = kendallTauB(
      rows.map((i) => column[i]),
      t,
    );
    let bestTau = -Infinity;
    for (const b of bases) {
      const values = b.columns[b.columns.length === 1 ? 0 : seed];
      const bt = kendallTauB(
        rows.map((i) => values[i]),
        t,
      );
      if (Number.isFinite(bt) && bt > bestTau) bestTau = bt;
    }
    const v = tau - bestTau;
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  const interval: [number, number] =
    values.length >= resamples / 2
      ? [quantile(values, 0.025), quantile(values, 0.975)]
      : [NaN, NaN];
  return {
    kendallTau,
    baselines: taus,
    best: best.name,
    advantage: kendallTau - best.kendallTau,
    advantageInterval: interval,
  };
}
