import { formatCount } from './format/numbers';
import { figure, list, num, obj, optional, str, tuple, type Infer } from './schema/dsl';

/** A 95% interval, `[low, high]`. */
export const interval = (doc: string) => tuple(doc, [figure('Low end.'), figure('High end.')]);

/** The supernet's order of the subnets in one MACs range. */
export const macsRegionSchema = obj('One range of MACs and how the supernet orders it.', {
  fromMacs: num("The range's fewest MACs among its subnets."),
  toMacs: num("The range's most MACs among its subnets."),
  subnets: num('Subnets in the range.'),
  kendallTau: figure('τ-b of the supernet against the truth within the range.'),
  kendallTauInterval: interval(
    "95% bootstrap interval of kendallTau (the range's subnets resampled).",
  ),
  macsKendallTau: figure('τ-b of MACs alone against the truth within the range.'),
});
export type MacsRegion = Infer<typeof macsRegionSchema>;

export const baselineSchema = obj('A cheap predictor and its τ.', {
  name: str('`macs`, `params` or a zero-cost proxy (`synflow`, `naswot`, …).'),
  kendallTau: figure('Its τ-b against the truth.'),
});
/** Every cheap baseline's τ, the best, its paired interval and the MACs ranges (rank.json, rank-end, ranking). */
export const baselineFields = {
  baselines: optional(
    list(
      'Each cheap baseline’s τ: MACs, params, zero-cost proxies (absent in older runs).',
      baselineSchema,
    ),
  ),
  bestBaseline: optional({ ...baselineSchema, doc: 'The strongest of them.' }),
  baselineAdvantageInterval: optional(
    interval(
      '95% paired bootstrap interval of τ − the best baseline’s τ, subnets and stand-alone seeds resampled, the best chosen again in every draw (absent in older runs).',
    ),
  ),
  regions: optional(
    list(
      'The order within each third of the MACs range (absent in older runs and below 15 subnets).',
      macsRegionSchema,
    ),
  ),
};

/** A ranking's figures, as rank.json, the rank-end event and a per-epoch ranking carry them. */
export const rankingFiguresSchema = obj("A ranking's figures.", {
  subnets: num('Subnets compared (K).'),
  kendallTau: figure('τ-b of inherited against stand-alone accuracy.'),
  spearmanRho: optional(figure('Spearman’s ρ.')),
  kendallTauInterval: optional(
    interval('The 95% percentile-bootstrap interval of τ-b (pairs resampled, seeded).'),
  ),
  flopsKendallTau: optional(
    figure("τ-b between the subnets' MACs and their stand-alone accuracy: the trivial predictor."),
  ),
  partialKendallTau: optional(
    figure('τ of supernet and stand-alone accuracy given MACs: what the supernet adds to MACs.'),
  ),
  partialKendallTauInterval: optional(
    interval('Its 95% paired bootstrap interval (benchmark rankings).'),
  ),
  flopsAdvantageInterval: optional(
    interval('95% paired bootstrap interval of τ − MACs τ (benchmark rankings).'),
  ),
  noiseCeiling: optional(
    figure(
      "The τ a perfect predictor reaches against the benchmark table's truth, the mean of its stand-alone seeds (per-epoch rankings only): no predictor is expected above it.",
    ),
  ),
  seedAgreement: optional(
    figure('τ between two stand-alone seeds of the table: how well training agrees with itself.'),
  ),
  ...baselineFields,
});
export type RankingFigures = Infer<typeof rankingFiguresSchema>;

/**
 * Where to trust the order, in one sentence a user can act on: the MACs ranges whose τ
 * interval is above 0 (better than chance) and the ranges where it is not, with what to do
 * there. Undefined without regions (fewer than 15 subnets checked).
 */
export function regionSentence(f: RankingFigures): string | undefined {
  const regions = f.regions;
  if (!regions?.length) return undefined;
  const trusted = regions.map((r) => r.kendallTauInterval[0] > 0);
  const macs = (n: number) => `${formatCount(n)} MACs`;
  const last = regions.length - 1;
  // Contiguous runs of trusted or untrusted ranges, each in words.
  const runs: { trusted: boolean; from: number; to: number }[] = [];
  trusted.forEach((t, i) => {
    const prev = runs.at(-1);
    if (prev && prev.trusted === t) prev.to = i;
    else runs.push({ trusted: t, from: i, to: i });
  });
  const span = (from: number, to: number) =>
    from === 0 && to === last
      ? 'at every MACs'
      : to === last
        ? `from ${macs(regions[from].fromMacs)} up`
        : from === 0
          ? `up to ${macs(regions[to].toMacs)}`
          : `between ${macs(regions[from].fromMacs)} and ${macs(regions[to].toMacs)}`;
  const figures = (from: number, to: number) =>
    regions
      .slice(from, to + 1)
      .map(
        (r) =>
          `τ ${f2(r.kendallTau)}, 95% CI ${f2(r.kendallTauInterval[0])}…${f2(r.kendallTauInterval[1])}, ${r.subnets} subnets`,
      )
      .join('; ');
  const good = runs.filter((r) => r.trusted);
  const bad = runs.filter((r) => !r.trusted);
  const goodText = good
    .map((r) => `${span(r.from, r.to)} (${figures(r.from, r.to)})`)
    .join(' and ');
  const badText = bad.map((r) => `${span(r.from, r.to)} (${figures(r.from, r.to)})`).join(' and ');
  if (!bad.length) return `Trust the front's order ${goodText}.`;
  if (!good.length)
    return (
      `No MACs range shows its order better than chance (${figures(0, last)}, ` +
      `fewest to most MACs): check more subnets or train on before trusting the front's order.`
    );
  return `Trust the front's order ${goodText}; ${badText}, check more subnets or train on.`;
}

/**
 * The noise ceiling of a truth that is the mean of `seeds` stand-alone trainings, from the
 * τ between two single seeds: Greiner's relation (r = sin(πτ/2)), Spearman–Brown for the
 * mean of S (r_S = S·r / (1 + (S − 1)·r)), the truth's correlation with it √r_S, and back
 * to τ. τ between two seeds is lower: two noisy copies, not the truth against one.
 */
export function spearmanBrownCeiling(seedVsSeedTau: number, seeds: number): number {
  const r = Math.sin((Math.PI * seedVsSeedTau) / 2);
  if (!(r > 0)) return NaN;
  const rs = (seeds * r) / (1 + (seeds - 1) * r);
  return (2 / Math.PI) * Math.asin(Math.sqrt(Math.min(1, rs)));
}

const f2 = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(2);

/** `Kendall τ-b 0.41 (95% CI 0.05…0.70, K 8) · by MACs 0.49 · partial τ given MACs 0.12 · Spearman ρ 0.55`. */
export function rankingSummary(f: RankingFigures): string {
  const ci = f.kendallTauInterval
    ? ` (95% CI ${f2(f.kendallTauInterval[0])}…${f2(f.kendallTauInterval[1])}, K ${f.subnets})`
    : ` (K ${f.subnets})`;
  const parts = [`Kendall τ-b ${f2(f.kendallTau)}${ci}`];
  if (f.flopsKendallTau !== undefined) parts.push(`by MACs ${f2(f.flopsKendallTau)}`);
  const range = (i: [number, number]) => `${f2(i[0])}…${f2(i[1])}`;
  if (f.flopsAdvantageInterval) parts.push(`τ − MACs τ 95% CI ${range(f.flopsAdvantageInterval)}`);
  if (f.partialKendallTau !== undefined) {
    const ci = f.partialKendallTauInterval ? ` (95% CI ${range(f.partialKendallTauInterval)})` : '';
    parts.push(`partial τ given MACs ${f2(f.partialKendallTau)}${ci}`);
  }
  if (f.spearmanRho !== undefined) parts.push(`Spearman ρ ${f2(f.spearmanRho)}`);
  if (f.bestBaseline && f.bestBaseline.name !== 'macs') {
    const adv = f.baselineAdvantageInterval;
    parts.push(
      `best cheap baseline ${f.bestBaseline.name} ${f2(f.bestBaseline.kendallTau)}` +
        (adv ? ` (τ − it 95% CI ${range(adv)})` : ''),
    );
  } else if (f.baselineAdvantageInterval)
    parts.push(`τ − MACs τ, seeds resampled, 95% CI ${range(f.baselineAdvantageInterval)}`);
  if (f.noiseCeiling !== undefined) parts.push(`noise ceiling ${f2(f.noiseCeiling)}`);
  return parts.join(' · ');
}

/**
 * In plain words, when the check does not show the supernet ranking better than counting
 * FLOPs. With the paired interval of τ − FLOPs τ (benchmark rankings) that is its lower
 * end not above 0; without it, τ's interval's lower end (or τ) not above the FLOPs τ.
 * Where partial τ's interval is above 0 it also says that the supernet adds to FLOPs.
 */
export function rankingWarning(f: RankingFigures): string | undefined {
  if (f.bestBaseline && f.baselineAdvantageInterval) return baselineWarning(f);
  if (f.flopsKendallTau === undefined || !Number.isFinite(f.flopsKendallTau)) return undefined;
  const advantage = f.flopsAdvantageInterval;
  const low = f.kendallTauInterval?.[0] ?? f.kendallTau;
  const shown = advantage ? advantage[0] > 0 : Number.isFinite(low) && low > f.flopsKendallTau;
  if (shown) return undefined;
  const interval = f.kendallTauInterval;
  const more =
    interval && interval[1] - interval[0] > 0.5
      ? `, or check more subnets (K ${f.subnets} leaves the interval ${f2(interval[0])}…${f2(interval[1])})`
      : '';
  const advice = `train it longer${more} before trusting its search front.`;
  const partial = f.partialKendallTauInterval;
  const adds =
    partial && partial[0] > 0
      ? ` It does add to them: among subnets of similar MACs its order beats chance ` +
        `(partial τ ${f2(f.partialKendallTau)}, 95% CI ${f2(partial[0])}…${f2(partial[1])}).`
      : '';
  if (!(f.kendallTau > f.flopsKendallTau))
    return (
      'This supernet does not yet rank subnets better than their MACs do ' +
      `(τ ${f2(f.kendallTau)} vs ${f2(f.flopsKendallTau)} by MACs): ${advice}${adds}`
    );
  const reach = advantage
    ? `τ − MACs τ has a 95% interval of ${f2(advantage[0])}…${f2(advantage[1])}`
    : `its 95% interval reaches down to ${f2(low)}`;
  return (
    `This check does not show the supernet ranking subnets better than their MACs do: τ ` +
    `${f2(f.kendallTau)} is above ${f2(f.flopsKendallTau)} by MACs, but ${reach}. ` +
    `To be sure, ${advice}${adds}`
  );
}

/** What a baseline orders subnets by, in words. */
export const BASELINE_WORDS: Record<string, string> = {
  macs: 'their MACs',
  params: 'their parameter counts',
  naswot: 'the NASWOT score',
  synflow: 'synflow',
  gradNorm: 'grad-norm',
};

/**
 * The verdict against the strongest cheap baseline, from the paired interval that resamples
 * subnets and stand-alone seeds: unless its lower end is above 0, say so and what to do.
 */
function baselineWarning(f: RankingFigures): string | undefined {
  const best = f.bestBaseline!;
  const [lo, hi] = f.baselineAdvantageInterval!;
  if (lo > 0) return undefined;
  const by = BASELINE_WORDS[best.name] ?? best.name;
  const interval = `τ − its τ has a 95% interval of ${f2(lo)}…${f2(hi)}`;
  const action =
    'the ranking is still moving or the space is easy for cheap predictors: train on before you trust the order at the top of the front';
  if (hi < 0)
    return `This supernet ranks subnets worse than ${by} do (τ ${f2(f.kendallTau)} vs ${f2(best.kendallTau)}; ${interval}): ${action}.`;
  return `This check does not show the supernet ranking subnets better than ${by} do (τ ${f2(f.kendallTau)} vs ${f2(best.kendallTau)}; ${interval}): ${action}.`;
}

/**
 * The warning in a few words, for places with room for little (the Runs tree's line of a
 * run): 'ranks no better than MACs', or 'not shown to rank better than MACs' when τ is
 * above the FLOPs τ but its interval is not. Undefined exactly when rankingWarning is.
 */
export function rankingWarningShort(f: RankingFigures): string | undefined {
  if (!rankingWarning(f)) return undefined;
  if (f.bestBaseline && f.baselineAdvantageInterval) {
    const by = f.bestBaseline.name === 'macs' ? 'MACs' : f.bestBaseline.name;
    return f.baselineAdvantageInterval[1] < 0
      ? `ranks worse than ${by}`
      : `not shown to rank better than ${by}`;
  }
  return f.kendallTau > (f.flopsKendallTau ?? NaN)
    ? 'not shown to rank better than MACs'
    : 'ranks no better than MACs';
}

/**
 * The figures a completed rank-end event, rank.json or a per-epoch `ranking` event
 * carries; undefined without τ.
 */
export function rankingFiguresOf(e: {
  subnets?: number | readonly unknown[];
  kendallTau?: number;
  spearmanRho?: number;
  kendallTauInterval?: [number, number];
  flopsKendallTau?: number;
  partialKendallTau?: number;
  partialKendallTauInterval?: [number, number];
  flopsAdvantageInterval?: [number, number];
  noiseCeiling?: number;
  seedAgreement?: number;
  baselines?: { name: string; kendallTau: number }[];
  bestBaseline?: { name: string; kendallTau: number };
  baselineAdvantageInterval?: [number, number];
  regions?: MacsRegion[];
}): RankingFigures | undefined {
  if (e.kendallTau === undefined) return undefined;
  return {
    subnets: typeof e.subnets === 'number' ? e.subnets : (e.subnets?.length ?? 0),
    kendallTau: e.kendallTau,
    ...(e.spearmanRho !== undefined ? { spearmanRho: e.spearmanRho } : {}),
    ...(e.kendallTauInterval ? { kendallTauInterval: e.kendallTauInterval } : {}),
    ...(e.flopsKendallTau !== undefined ? { flopsKendallTau: e.flopsKendallTau } : {}),
    ...(e.partialKendallTau !== undefined ? { partialKendallTau: e.partialKendallTau } : {}),
    ...(e.partialKendallTauInterval
      ? { partialKendallTauInterval: e.partialKendallTauInterval }
      : {}),
    ...(e.flopsAdvantageInterval ? { flopsAdvantageInterval: e.flopsAdvantageInterval } : {}),
    ...(e.noiseCeiling !== undefined ? { noiseCeiling: e.noiseCeiling } : {}),
    ...(e.seedAgreement !== undefined ? { seedAgreement: e.seedAgreement } : {}),
    ...(e.baselines ? { baselines: e.baselines } : {}),
    ...(e.bestBaseline ? { bestBaseline: e.bestBaseline } : {}),
    ...(e.baselineAdvantageInterval
      ? { baselineAdvantageInterval: e.baselineAdvantageInterval }
      : {}),
    ...(e.regions?.length ? { regions: e.regions } : {}),
  };
}
