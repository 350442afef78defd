import type { RankedPoint, RankingSeries } from './rankingModel';

/**
 * What the Ranking tab's two charts draw, computed from the ranking model: the figures per
 * epoch with τ's interval as a band, and the subnets as a scatter shaded by FLOPs. Pure,
 * so the webview only styles and paints it.
 */

/** The per-epoch curves, in the order the chart's legend lists them. */
export const TAU_CURVES = [
  'kendallTau',
  'tauLow',
  'tauHigh',
  'spearmanRho',
  'partialKendallTau',
  'flopsKendallTau',
  'noiseCeiling',
] as const;
export type TauCurve = (typeof TAU_CURVES)[number];

export interface TauChart {
  epoch: number[];
  /** The curves with at least one value; the others are left out of chart and legend. */
  curves: { id: TauCurve; values: (number | null)[] }[];
  /** τ's 95% interval, per epoch; absent when no epoch has one. */
  band?: { low: (number | null)[]; high: (number | null)[] };
  /**
   * The latest FLOPs τ and noise ceiling, drawn across the whole chart: they are figures
   * of the benchmark's table, the same every epoch, and a single epoch still shows them.
   */
  reference: { flopsKendallTau?: number; noiseCeiling?: number };
}

const hasValue = (xs: readonly (number | null)[]) =>
  xs.some((v) => v !== null && Number.isFinite(v));
const lastValue = (xs: readonly (number | null)[]): number | undefined => {
  for (let i = xs.length - 1; i >= 0; i--) {
    const v = xs[i];
    if (v !== null && Number.isFinite(v)) return v;
  }
  return undefined;
};

export function tauChart(s: RankingSeries): TauChart {
  const curves = TAU_CURVES.map((id) => ({ id, values: s[id].slice() })).filter((c) =>
    hasValue(c.values),
  );
  const flopsKendallTau = lastValue(s.flopsKendallTau);
  const noiseCeiling = lastValue(s.noiseCeiling);
  return {
    epoch: s.epoch.slice(),
    curves,
    ...(hasValue(s.tauLow) && hasValue(s.tauHigh)
      ? { band: { low: s.tauLow.slice(), high: s.tauHigh.slice() } }
      : {}),
    reference: {
      ...(flopsKendallTau !== undefined ? { flopsKendallTau } : {}),
      ...(noiseCeiling !== undefined ? { noiseCeiling } : {}),
    },
  };
}

/**
 * The τ axis: the data and 0 (so the sign of a correlation is plain), a small margin,
 * never beyond what a correlation can be.
 */
export function tauRange(min: number | null, max: number | null): [number, number] {
  const lo = Math.min(0, min ?? 0);
  let hi = Math.max(0, max ?? 1);
  if (hi === lo) hi = 1;
  const pad = (hi - lo) * 0.06;
  return [Math.max(-1.05, lo - pad), Math.min(1.05, hi + pad)];
}

/** A subnet of the scatter: x its accuracy in the supernet, y trained alone. */
export interface ScatterPoint extends RankedPoint {
  x: number;
  y: number;
  /** Where its FLOPs lie between the fewest and the most shown, on a log scale: 0…1. */
  shade: number;
}

export interface RankingScatter {
  /** Ascending in x, as uPlot's aligned data needs. */
  points: ScatterPoint[];
  flops?: { min: number; max: number };
}

export function rankingScatter(subnets: readonly RankedPoint[]): RankingScatter {
  if (subnets.length === 0) return { points: [] };
  const flops = subnets.map((p) => p.flops);
  const min = Math.min(...flops);
  const max = Math.max(...flops);
  // FLOPs of a space span orders of magnitude: a log scale spreads the shades evenly.
  const log = (v: number) => Math.log(Math.max(v, 1));
  const span = log(max) - log(min);
  const points = subnets
    .map((p) => ({
      ...p,
      x: p.supernetAccuracy,
      y: p.standaloneAccuracy,
      shade: span > 0 ? (log(p.flops) - log(min)) / span : 0.5,
    }))
    .sort((a, b) => a.x - b.x || a.y - b.y || (a.key < b.key ? -1 : 1));
  return { points, flops: { min, max } };
}
