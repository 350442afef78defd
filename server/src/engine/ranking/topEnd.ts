import { hypervolume } from '../search/hypervolume';
import { kendallTauB } from '../search/rankCorrelation';

/**
 * How well a predictor serves the top of the front, where users pick: its order among the
 * best subnets, how many of the best it finds, what its pick costs at several budgets, and
 * how much of the true accuracy-vs-MACs front the front it would draw reaches. `predicted`
 * and `truth` are per subnet (higher = better), `macs` their multiply-accumulates.
 */

export interface BudgetRegret {
  /** The MACs limit. */
  macs: number;
  /** Subnets within it. */
  candidates: number;
  /** The true accuracy of the predictor's pick within the limit, and of the best there. */
  picked: number;
  best: number;
  /** best − picked (≥ 0), in the truth's unit. */
  regret: number;
}

export interface TopEnd {
  /** τ-b among the best quarter of the subnets by true accuracy (at least 4 of them). */
  topQuarterTau: number;
  /** k = the best quarter; the share of the predicted best k that are among the true best k. */
  precisionAtK: { k: number; precision: number };
  /** The pick's regret at three MACs limits, each leaving at least 5 subnets. */
  regrets: BudgetRegret[];
  /**
   * The share of the true front's hypervolume (log MACs, minimised × true accuracy,
   * maximised) that the front drawn by the predictor reaches when its subnets are scored by
   * their true accuracy.
   */
  frontShare: number;
}

const byValueDesc = (v: readonly number[]) =>
  v
    .map((value, i) => ({ value, i }))
    .sort((a, b) => b.value - a.value || a.i - b.i)
    .map((e) => e.i);

export function topEndQuality(
  predicted: readonly number[],
  truth: readonly number[],
  macs: readonly number[],
): TopEnd {
  const n = truth.length;
  const k = Math.max(4, Math.ceil(n / 4));
  const trueTop = byValueDesc(truth).slice(0, k);
  const predTop = new Set(byValueDesc(predicted).slice(0, k));
  return {
    topQuarterTau: kendallTauB(
      trueTop.map((i) => predicted[i]),
      trueTop.map((i) => truth[i]),
    ),
    precisionAtK: { k, precision: trueTop.filter((i) => predTop.has(i)).length / k },
    regrets: budgetsOf(macs).map((limit) => regretUnder(predicted, truth, macs, limit)),
    frontShare: frontShare(predicted, truth, macs),
  };
}

/** Three MACs limits: a third, two thirds and all of the subnets, but never fewer than 5. */
export function budgetsOf(macs: readonly number[]): number[] {
  const sorted = [...macs].sort((a, b) => a - b);
  const at = (count: number) => sorted[Math.min(sorted.length, Math.max(5, count)) - 1];
  return [...new Set([1, 2, 3].map((j) => at(Math.ceil((j * sorted.length) / 3))))];
}

export function regretUnder(
  predicted: readonly number[],
  truth: readonly number[],
  macs: readonly number[],
  limit: number,
): BudgetRegret {
  const within = macs.map((_, i) => i).filter((i) => macs[i] <= limit);
  const argmax = (v: readonly number[]) =>
    within.reduce((b, i) => (v[i] > v[b] || (v[i] === v[b] && i < b) ? i : b), within[0]);
  const picked = truth[argmax(predicted)];
  const best = truth[argmax(truth)];
  return { macs: limit, candidates: within.length, picked, best, regret: best - picked };
}

/** Indices of the points no other dominates (x minimised, y maximised). */
function front(x: readonly number[], y: readonly number[], among: readonly number[]): number[] {
  return among.filter(
    (i) =>
      !among.some((j) => j !== i && x[j] <= x[i] && y[j] >= y[i] && (x[j] < x[i] || y[j] > y[i])),
  );
}

/**
 * The hypervolume share of the predictor's front. Both objectives are scaled to [0, 1]
 * over all the subnets (log MACs, true accuracy) and the reference point is just beyond
 * the worst of each (1.1, −0.1 before flipping accuracy to a minimised objective), so the
 * smallest and the least accurate subnets still count.
 */
export function frontShare(
  predicted: readonly number[],
  truth: readonly number[],
  macs: readonly number[],
): number {
  const all = truth.map((_, i) => i);
  const lx = macs.map((m) => Math.log(m));
  const scale = (v: readonly number[]) => {
    const lo = Math.min(...v);
    const span = Math.max(...v) - lo || 1;
    return v.map((x) => (x - lo) / span);
  };
  const x = scale(lx);
  const y = scale(truth);
  const points = (idx: readonly number[]) => idx.map((i) => [x[i], -y[i]]);
  const reference = [1.1, 0.1];
  const trueHv = hypervolume(points(front(x, y, all)), reference);
  const chosen = front(lx, predicted, all);
  return trueHv > 0 ? hypervolume(points(front(x, y, chosen)), reference) / trueHv : NaN;
}
