import { rankingSource, type LatestRanking } from '#shared/charts/latestRanking';
import type { RankedPoint } from '#shared/charts/rankingModel';
import { formatAccuracy, formatMacs, formatParams } from '#shared/format/units';
import {
  rankingSummary,
  rankingWarning,
  rankingWarningShort,
  regionSentence,
} from '#shared/ranking';

/**
 * What the Runs tree says of a run's ranking: a `Ranking` group under the run (its figures,
 * its subnets) and, when τ is not clearly above the FLOPs baseline, a warning on the run
 * itself. Pure, like runTreeModel.
 */

const f2 = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(2);

/** `τ 0.41 · by MACs 0.49 · epoch 3` */
export function rankingGroupDescription(r: LatestRanking): string {
  const parts = [`τ ${f2(r.figures.kendallTau)}`];
  if (r.figures.flopsKendallTau !== undefined)
    parts.push(`by MACs ${f2(r.figures.flopsKendallTau)}`);
  parts.push(r.source === 'epoch' ? `epoch ${r.epoch}` : 'Check Ranking');
  return parts.join(' · ');
}

/** Where the figures come from, all of them, and the warning in full when there is one. */
export function rankingTooltip(r: LatestRanking): string {
  const warning = rankingWarning(r.figures);
  const where = regionSentence(r.figures);
  return [
    rankingSource(r),
    rankingSummary(r.figures),
    ...(warning ? ['', warning] : []),
    ...(where ? ['', where] : []),
  ].join('\n');
}

/** The run's line gets this appended when its latest ranking warrants the warning. */
export function runRankingFlag(r: LatestRanking | undefined): string | undefined {
  const short = r ? rankingWarningShort(r.figures) : undefined;
  return short ? `⚠ ${short}` : undefined;
}

/** The run's tooltip gets the warning in full. */
export function runRankingTooltip(r: LatestRanking | undefined): string | undefined {
  return r ? rankingWarning(r.figures) : undefined;
}

/** The supernet's ranking, best first: the order a search would prefer them in. */
export function sortRanked(points: readonly RankedPoint[]): RankedPoint[] {
  return [...points].sort(
    (a, b) =>
      b.supernetAccuracy - a.supernetAccuracy ||
      b.standaloneAccuracy - a.standaloneAccuracy ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/** `supernet 81.2% · alone 84.0% · 312k MACs` */
export function rankedLabel(p: RankedPoint): string {
  return [
    `supernet ${formatAccuracy(p.supernetAccuracy)}`,
    `alone ${formatAccuracy(p.standaloneAccuracy)}`,
    formatMacs(p.flops),
  ].join(' · ');
}

export function rankedTooltip(p: RankedPoint): string {
  return [
    p.key,
    `accuracy with the supernet's weights ${formatAccuracy(p.supernetAccuracy)}`,
    `accuracy trained alone ${formatAccuracy(p.standaloneAccuracy)}`,
    formatMacs(p.flops),
    ...(p.params !== undefined ? [formatParams(p.params)] : []),
  ].join('\n');
}
