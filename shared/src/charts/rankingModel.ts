import {
  rankingEventSchema,
  rankingPointSchema,
  type RankEndEvent,
  type RankedEvent,
  type RankingEvent,
  type RankStartEvent,
  type StabilityEvent,
} from '../protocol/engine';
import { parseRankFile } from '../runFolder/records';
import { bool, figure, list, nullableNum, obj, optional, str, type Infer } from '../schema/dsl';
import {
  rankingFiguresOf,
  rankingFiguresSchema,
  spearmanBrownCeiling,
  type MacsRegion,
  type RankingFigures,
} from '../ranking';

/**
 * How well a run's supernet ranks subnets, as the dashboard and the Runs tree show it:
 * the per-epoch `ranking` events of a run on a benchmark space, and the last
 * `supernet rank` check (rank.json, or its live events). Pure and plain data, like the
 * rest of the chart model, so the extension builds it and the webview appends to it.
 */

const series = (doc: string) => list(doc, figure('One epoch’s.'));
const gaps = (doc: string) => list(doc, nullableNum('One epoch’s; null where it had none.'));

/**
 * One subnet measured both ways, as the charts draw it: a ranking event's subnet, or a
 * check's (rank.json, which also has its parameters).
 */
const point = rankingPointSchema.fields;
export const rankedPointSchema = obj('A subnet measured both ways.', {
  key: point.key,
  flops: point.flops,
  params: optional(figure("Parameters: only a check's subnets (rank.json) carry them.")),
  supernetAccuracy: point.supernetAccuracy,
  standaloneAccuracy: point.standaloneAccuracy,
});
export type RankedPoint = Infer<typeof rankedPointSchema>;

/** The figures of the `ranking` events, one entry per epoch, in epoch order. */
export const rankingSeriesSchema = obj('The per-epoch rankings.', {
  epoch: series('The epochs.'),
  step: series('Their steps.'),
  subnets: series('Subnets of the table.'),
  kendallTau: series('τ-b.'),
  tauLow: gaps("The lower end of τ-b's 95% interval."),
  tauHigh: gaps('Its upper end.'),
  spearmanRho: gaps('Spearman’s ρ.'),
  flopsKendallTau: gaps('τ-b of MACs.'),
  partialKendallTau: gaps('Partial τ given MACs.'),
  noiseCeiling: gaps('The noise ceiling.'),
});
export type RankingSeries = Infer<typeof rankingSeriesSchema>;

const rankingFields = rankingEventSchema.fields;
/** What the last epoch's ranking adds to its figures: its subnets and the table's name. */
export const epochRankingDetailSchema = obj("The last epoch's ranking.", {
  figures: rankingFiguresSchema,
  epoch: figure('The epoch.'),
  step: figure('Its step.'),
  table: str("The table's name."),
  topK: optional(rankingFields.topK),
  bestPick: optional(rankingFields.bestPick),
  topEnd: optional({
    ...rankingFields.topEnd,
    doc: 'Quality at the top of the front (events of this version on).',
  }),
  points: list('The subnets.', rankedPointSchema),
});
export type EpochRankingDetail = Infer<typeof epochRankingDetailSchema>;

/** A `supernet rank` check: its subnets and, once it completed, its figures. */
export const rankCheckSchema = obj('A ranking check.', {
  subnets: list('Its subnets so far.', rankedPointSchema),
  figures: optional(rankingFiguresSchema),
  planned: optional(figure('How many subnets it measures in all.')),
  epochs: optional(figure('Epochs each trains alone.')),
});
export type RankCheck = Infer<typeof rankCheckSchema>;

/** An epoch's ranking stability (StabilityEvent): has the probe set's order settled? */
export const stabilityPointSchema = obj("An epoch's ranking stability.", {
  epoch: figure('The epoch.'),
  probe: figure('Subnets in the probe set.'),
  kendallTau: nullableNum(
    "τ-b against the previous epoch; null at a run's (or a resume's) first epoch.",
  ),
  settled: bool('Whether it settled.'),
});
export type StabilityPoint = Infer<typeof stabilityPointSchema>;

export const rankingStateSchema = obj('How a run ranks subnets.', {
  series: rankingSeriesSchema,
  stability: list('Per epoch, in epoch order.', stabilityPointSchema),
  last: optional(epochRankingDetailSchema),
  check: optional({
    ...rankCheckSchema,
    doc: 'The last completed check: rank.json, or the rank-end of a check of this session.',
  }),
  running: optional({
    ...rankCheckSchema,
    doc: 'A check running now, from its live events, until its rank-end.',
  }),
});
export type RankingState = Infer<typeof rankingStateSchema>;

export function emptyRanking(): RankingState {
  return {
    series: {
      epoch: [],
      step: [],
      subnets: [],
      kendallTau: [],
      tauLow: [],
      tauHigh: [],
      spearmanRho: [],
      flopsKendallTau: [],
      partialKendallTau: [],
      noiseCeiling: [],
    },
    stability: [],
  };
}

/** Appends an epoch's stability; a resumed run's later epochs replace those it redid. */
export function addStability(state: RankingState, e: StabilityEvent): void {
  const epoch = finite(e.epoch);
  const probe = finite(e.probe);
  if (epoch === null || probe === null) return;
  const kept = state.stability.filter((p) => p.epoch < epoch);
  kept.push({ epoch, probe, kendallTau: finite(e.kendallTau), settled: e.settled === true });
  state.stability = kept;
}

const finite = (x: unknown): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? x : null;
const orUndefined = (x: unknown): number | undefined => finite(x) ?? undefined;

/** A subnet of an event or a file, or undefined when a figure the charts need is missing. */
export function rankedPointOf(x: unknown): RankedPoint | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const p = x as Record<string, unknown>;
  const flops = finite(p.flops);
  const supernetAccuracy = finite(p.supernetAccuracy);
  const standaloneAccuracy = finite(p.standaloneAccuracy);
  if (typeof p.key !== 'string' || !p.key) return undefined;
  if (flops === null || supernetAccuracy === null || standaloneAccuracy === null) return undefined;
  const point: RankedPoint = { key: p.key, flops, supernetAccuracy, standaloneAccuracy };
  const params = finite(p.params);
  if (params !== null) point.params = params;
  return point;
}

/** A baseline's name and τ from an event or a file, or undefined. */
const baselineOf = (x: unknown): { name: string; kendallTau: number } | undefined => {
  if (typeof x !== 'object' || x === null) return undefined;
  const b = x as Record<string, unknown>;
  const tau = finite(b.kendallTau);
  return typeof b.name === 'string' && b.name && tau !== null
    ? { name: b.name, kendallTau: tau }
    : undefined;
};

/** A MACs range's figures from an event or a file, or undefined when any is missing. */
const regionOf = (x: unknown): MacsRegion | undefined => {
  if (typeof x !== 'object' || x === null) return undefined;
  const r = x as Record<string, unknown>;
  const [fromMacs, toMacs, subnets, kendallTau, macsKendallTau] = [
    r.fromMacs,
    r.toMacs,
    r.subnets,
    r.kendallTau,
    r.macsKendallTau,
  ].map(finite);
  const kendallTauInterval = intervalOf(r.kendallTauInterval);
  return fromMacs !== null &&
    toMacs !== null &&
    subnets !== null &&
    kendallTau !== null &&
    macsKendallTau !== null &&
    kendallTauInterval
    ? { fromMacs, toMacs, subnets, kendallTau, kendallTauInterval, macsKendallTau }
    : undefined;
};

const pointsOf = (xs: unknown): RankedPoint[] =>
  Array.isArray(xs) ? xs.flatMap((x) => rankedPointOf(x) ?? []) : [];

const intervalOf = (x: unknown): [number, number] | undefined => {
  if (!Array.isArray(x) || x.length !== 2) return undefined;
  const [lo, hi] = [finite(x[0]), finite(x[1])];
  return lo !== null && hi !== null ? [lo, hi] : undefined;
};

/**
 * The figures of an event or rank.json with every non-number left out (NaN is written as
 * null in JSON), so that the summary and the warning never read a null as a number.
 */
export function cleanFigures(figures: object): RankingFigures | undefined {
  const x = figures as Record<string, unknown>;
  const interval = intervalOf(x.kendallTauInterval);
  const partialInterval = intervalOf(x.partialKendallTauInterval);
  const advantage = intervalOf(x.flopsAdvantageInterval);
  const baselineAdvantage = intervalOf(x.baselineAdvantageInterval);
  const baselines = Array.isArray(x.baselines)
    ? x.baselines.flatMap((b) => baselineOf(b) ?? [])
    : [];
  const bestBaseline = baselineOf(x.bestBaseline);
  const regions = Array.isArray(x.regions) ? x.regions.map(regionOf) : [];
  // Events written before the ceiling of the mean carried τ between two stand-alone seeds as
  // `noiseCeiling` (and no `seedAgreement`); every shipped table had two seeds a subnet.
  const said = orUndefined(x.noiseCeiling);
  const older = x.seedAgreement === undefined && said !== undefined;
  const noiseCeiling = older ? spearmanBrownCeiling(said, 2) : said;
  const seedAgreement = older ? said : orUndefined(x.seedAgreement);
  return rankingFiguresOf({
    subnets: Array.isArray(x.subnets) ? x.subnets : (finite(x.subnets) ?? 0),
    kendallTau: orUndefined(x.kendallTau),
    spearmanRho: orUndefined(x.spearmanRho),
    flopsKendallTau: orUndefined(x.flopsKendallTau),
    partialKendallTau: orUndefined(x.partialKendallTau),
    ...(noiseCeiling !== undefined && Number.isFinite(noiseCeiling) ? { noiseCeiling } : {}),
    ...(seedAgreement !== undefined ? { seedAgreement } : {}),
    ...(baselines.length ? { baselines } : {}),
    ...(bestBaseline ? { bestBaseline } : {}),
    ...(baselineAdvantage ? { baselineAdvantageInterval: baselineAdvantage } : {}),
    ...(interval ? { kendallTauInterval: interval } : {}),
    ...(partialInterval ? { partialKendallTauInterval: partialInterval } : {}),
    ...(advantage ? { flopsAdvantageInterval: advantage } : {}),
    // All three ranges or none: a sentence about part of the MACs axis would mislead.
    ...(regions.length && regions.every((r) => r) ? { regions: regions as MacsRegion[] } : {}),
  });
}

/**
 * Appends an epoch's ranking. A resumed run ranks the epochs after its checkpoint again:
 * the newer figures replace those of that epoch and later, so the epochs stay ascending.
 */
export function addEpochRanking(state: RankingState, e: RankingEvent): void {
  const s = state.series;
  const f = cleanFigures(e as unknown as Record<string, unknown>);
  if (!f) return;
  const arrays: unknown[][] = Object.values(s);
  let cut = s.epoch.length;
  while (cut > 0 && s.epoch[cut - 1] >= e.epoch) cut--;
  for (const a of arrays) a.length = cut;
  s.epoch.push(e.epoch);
  s.step.push(finite(e.step) ?? 0);
  s.subnets.push(f.subnets);
  s.kendallTau.push(f.kendallTau);
  s.tauLow.push(f.kendallTauInterval?.[0] ?? null);
  s.tauHigh.push(f.kendallTauInterval?.[1] ?? null);
  s.spearmanRho.push(f.spearmanRho ?? null);
  s.flopsKendallTau.push(f.flopsKendallTau ?? null);
  s.partialKendallTau.push(f.partialKendallTau ?? null);
  s.noiseCeiling.push(f.noiseCeiling ?? null);
  state.last = {
    figures: f,
    epoch: e.epoch,
    step: finite(e.step) ?? 0,
    table: e.table,
    points: pointsOf(e.points),
    ...(e.topK && finite(e.topK.k) !== null && finite(e.topK.overlap) !== null
      ? { topK: { k: e.topK.k, overlap: e.topK.overlap } }
      : {}),
    ...(bestPickOf(e.bestPick) ?? {}),
    ...(topEndOf(e.topEnd) ?? {}),
  };
}

function topEndOf(x: unknown): { topEnd: EpochRankingDetail['topEnd'] } | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const t = x as Record<string, unknown>;
  const p = (t.precisionAtK ?? {}) as Record<string, unknown>;
  const [topQuarterTau, frontShare, k, precision] = [
    t.topQuarterTau,
    t.frontShare,
    p.k,
    p.precision,
  ].map(finite);
  if (topQuarterTau === null || frontShare === null || k === null || precision === null)
    return undefined;
  const regrets = (Array.isArray(t.regrets) ? t.regrets : []).flatMap((r: unknown) => {
    const o = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    const v = [o.macs, o.candidates, o.picked, o.best, o.regret].map(finite);
    if (v.some((n) => n === null)) return [];
    const [macs, candidates, picked, best, regret] = v as number[];
    return [{ macs, candidates, picked, best, regret }];
  });
  return { topEnd: { topQuarterTau, frontShare, precisionAtK: { k, precision }, regrets } };
}

function bestPickOf(x: unknown): { bestPick: EpochRankingDetail['bestPick'] } | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const b = x as Record<string, unknown>;
  const nums = [b.flopsLimit, b.picked, b.best, b.regret].map(finite);
  if (nums.some((v) => v === null) || typeof b.pickedKey !== 'string') return undefined;
  if (typeof b.bestKey !== 'string') return undefined;
  const [flopsLimit, picked, best, regret] = nums as number[];
  return {
    bestPick: { flopsLimit, pickedKey: b.pickedKey, picked, bestKey: b.bestKey, best, regret },
  };
}

/** The live events of a `supernet rank` check (they are not written to the run folder). */
export function addRankEvent(
  state: RankingState,
  e: RankStartEvent | RankedEvent | RankEndEvent,
): void {
  switch (e.type) {
    case 'rank-start':
      state.running = {
        subnets: [],
        ...(finite(e.subnets) !== null ? { planned: e.subnets } : {}),
        ...(finite(e.epochs) !== null ? { epochs: e.epochs } : {}),
      };
      break;
    case 'ranked': {
      const p = rankedPointOf(e.subnet);
      if (!p) return;
      state.running ??= { subnets: [] };
      const list = state.running.subnets;
      const at = list.findIndex((q) => q.key === p.key);
      if (at >= 0) list[at] = p;
      else list.push(p);
      break;
    }
    case 'rank-end': {
      const figures =
        e.status === 'completed'
          ? cleanFigures(e as unknown as Record<string, unknown>)
          : undefined;
      // A stopped or failed check writes nothing: the last completed one still stands.
      if (figures) state.check = { ...(state.running ?? { subnets: [] }), figures };
      delete state.running;
      break;
    }
  }
}

/** rank.json's check, unless this session already saw a newer one complete. */
export function applyRankFile(state: RankingState, json: unknown): void {
  if (state.check) return;
  const r = parseRankFile(json);
  if (!r.ok) return;
  const figures = cleanFigures(r.value);
  if (!figures) return;
  state.check = {
    subnets: pointsOf(r.value.subnets),
    figures,
    planned: figures.subnets,
    epochs: r.value.epochs,
  };
}
