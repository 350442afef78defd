import { formatAccuracy, formatMacs } from '../format/units';
import { rankingWarning, type RankingFigures } from '../ranking';
import type { EpochRankingDetail, RankedPoint, RankingState } from './rankingModel';

/**
 * The one ranking of a run that the editor speaks of (the Ranking tab's summary and
 * scatter, the Pareto tab's warning, the Runs tree): the last epoch's, else the last
 * completed `supernet rank` check's. A run on a benchmark space is ranked against the
 * benchmark's whole table every epoch, which says more than a check of a few subnets.
 */
export type LatestRanking =
  | ({ source: 'epoch' } & EpochRankingDetail)
  | {
      source: 'check';
      figures: RankingFigures;
      points: RankedPoint[];
      /** Epochs each subnet was trained alone. */
      epochs?: number;
    };

export function latestRanking(state: RankingState | undefined): LatestRanking | undefined {
  if (state?.last) return { source: 'epoch', ...state.last };
  const check = state?.check;
  if (!check?.figures) return undefined;
  return {
    source: 'check',
    figures: check.figures,
    points: check.subnets,
    ...(check.epochs !== undefined ? { epochs: check.epochs } : {}),
  };
}

/**
 * The plain-words warning when the latest ranking does not show the supernet ranking
 * subnets better than their FLOPs do (see rankingWarning); undefined otherwise.
 */
export function latestRankingWarning(state: RankingState | undefined): string | undefined {
  const latest = latestRanking(state);
  return latest ? rankingWarning(latest.figures) : undefined;
}

/** Where the figures come from: `Epoch 3 (step 1200) against ranking-ref`. */
export function rankingSource(latest: LatestRanking): string {
  if (latest.source === 'epoch')
    return `Epoch ${latest.epoch} (step ${latest.step}) against ${latest.table}`;
  const alone = latest.epochs !== undefined ? ` trained alone for ${latest.epochs} epoch(s)` : '';
  return `Check Ranking: ${latest.figures.subnets} subnets${alone}`;
}

/**
 * What an epoch's ranking says besides τ: whether the supernet's top subnets are the
 * table's, and what its best pick under the FLOPs limit costs in accuracy.
 */
export function rankingDetails(latest: LatestRanking): string | undefined {
  if (latest.source !== 'epoch') return undefined;
  const parts: string[] = [];
  if (latest.topK)
    parts.push(
      `of the ${latest.topK.k} best alone, ${Math.round(100 * latest.topK.overlap)}% are ` +
        `among the supernet's ${latest.topK.k} best`,
    );
  const b = latest.bestPick;
  if (b)
    parts.push(
      `under ${formatMacs(b.flopsLimit)} its pick reaches ${formatAccuracy(b.picked)} alone, ` +
        `the best ${formatAccuracy(b.best)} (regret ${(100 * b.regret).toFixed(1)} points)`,
    );
  const t = latest.topEnd;
  if (t) {
    const list = (xs: string[]) =>
      xs.length > 1 ? `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}` : (xs[0] ?? '');
    const regrets =
      `${list(t.regrets.map((r) => (100 * r.regret).toFixed(1)))} points under ` +
      list(t.regrets.map((r) => formatMacs(r.macs)));
    parts.push(
      `among the best quarter alone its order has τ ${t.topQuarterTau.toFixed(2)}, and it finds ` +
        `${Math.round(t.precisionAtK.precision * t.precisionAtK.k)} of the ${t.precisionAtK.k} best`,
      `its picks miss the best by ${regrets}`,
      `the front it draws reaches ${(100 * t.frontShare).toFixed(1)}% of the true front's hypervolume`,
    );
  }
  const f = latest.figures;
  if (f.baselines?.length)
    parts.push(
      'cheap baselines: ' +
        f.baselines.map((b) => `${b.name} τ ${b.kendallTau.toFixed(2)}`).join(', ') +
        (f.seedAgreement !== undefined
          ? `; two stand-alone seeds agree with τ ${f.seedAgreement.toFixed(2)}`
          : ''),
    );
  return parts.length ? parts.join(' · ') : undefined;
}

/** A check running now: `Check Ranking running: 3 of 8 subnets measured`. */
export function runningCheckNote(state: RankingState | undefined): string | undefined {
  const r = state?.running;
  if (!r) return undefined;
  const of = r.planned !== undefined ? ` of ${r.planned}` : '';
  return `Check Ranking running: ${r.subnets.length}${of} subnets measured`;
}

/**
 * The subnets the scatter shows: the latest ranking's, or those a running check has
 * measured so far when there is nothing else yet.
 */
export function scatterSubnets(state: RankingState | undefined): {
  points: RankedPoint[];
  caption: string;
} {
  const latest = latestRanking(state);
  if (latest?.points.length)
    return {
      points: latest.points,
      caption: latest.source === 'epoch' ? `epoch ${latest.epoch}` : 'the last Check Ranking',
    };
  return { points: state?.running?.subnets ?? [], caption: 'the running Check Ranking' };
}
