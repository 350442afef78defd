import { archKey } from '#shared/arch';
import { parseConstraint } from '#shared/constraints';
import type { RankingEvent, RankingPoint } from '#shared/protocol/engine';
import type { SupernetConfig } from '../../config/configSchema';
import type { SubnetEvaluator } from '../evaluate/subnetEvaluator';
import { kendallTauB, spearmanRho } from '../search/rankCorrelation';
import {
  bestPickUnder,
  bootstrapInterval,
  flopsComparison,
  partialKendallTau,
  topKOverlap,
} from '../search/rankingStats';
import { macsRegions, withRegions } from './macsRegions';
import { pairedClaim } from './pairedClaim';
import { topEndQuality } from './topEnd';
import { simulatedCeiling } from './truthCeiling';
import { tableNoise, truthOf, type TruthTable } from './truthTable';

export type TableRanking = Omit<RankingEvent, 'type' | 'time' | 'epoch' | 'step' | 'seconds'>;

/**
 * The FLOPs limit of the best-pick figure: the config's tightest `flops <=` constraint, else
 * the table's median FLOPs (a limit that leaves half the subnets to choose from).
 */
export function flopsLimitOf(config: SupernetConfig, flops: readonly number[]): number {
  const limits = config.search.constraints
    .map((c) => parseConstraint(c))
    .filter((c) => typeof c !== 'string' && c.metric === 'flops' && (c.op === '<=' || c.op === '<'))
    .map((c) => (c as { value: number }).value);
  if (limits.length) return Math.min(...limits);
  const sorted = [...flops].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Every ranking figure of a supernet's accuracies (`inherited`, in table order) against the table. */
export function rankAgainstTable(
  table: TruthTable,
  inherited: readonly number[],
  flopsLimit: number,
  seed = 0,
  extraBaselines?: readonly { name: string; values: readonly number[] }[],
): TableRanking {
  const truth = truthOf(table);
  const x = [...inherited];
  const y = truth.map((t) => t.accuracy);
  const z = truth.map((t) => t.flops);
  const k = Math.max(1, Math.round(truth.length / 5));
  const pick = bestPickUnder(x, y, z, flopsLimit);
  const within = truth.map((_, i) => i).filter((i) => z[i] <= flopsLimit);
  const argmax = (v: readonly number[]) =>
    within.reduce((b, i) => (v[i] > v[b] || (v[i] === v[b] && i < b) ? i : b), within[0]);
  const versusFlops = flopsComparison(x, y, z, seed);
  // Every run of each subnet: the claim's bootstrap resamples them, the ceiling needs them.
  const runs = table.subnets.map((s) => s.accuracy.filter((a): a is number => a !== null));
  const claim = pairedClaim(
    {
      predicted: [x],
      truthRuns: runs,
      baselines: [
        { name: 'macs', values: z },
        { name: 'params', values: table.subnets.map((s) => s.params) },
        ...(extraBaselines ?? []),
      ],
    },
    { seed },
  );
  const points: RankingPoint[] = truth.map((t, i) => ({
    key: t.key,
    flops: t.flops,
    supernetAccuracy: x[i],
    standaloneAccuracy: y[i],
    ...(extraBaselines?.length
      ? { proxies: Object.fromEntries(extraBaselines.map((b) => [b.name, b.values[i]])) }
      : {}),
  }));
  return {
    table: table.name,
    subnets: truth.length,
    kendallTau: kendallTauB(x, y),
    kendallTauInterval: bootstrapInterval(x, y, kendallTauB, { seed }),
    spearmanRho: spearmanRho(x, y),
    flopsKendallTau: kendallTauB(z, y),
    partialKendallTau: partialKendallTau(x, y, z),
    partialKendallTauInterval: versusFlops.partialInterval,
    flopsAdvantageInterval: versusFlops.advantageInterval,
    noiseCeiling: simulatedCeiling(runs, { seed }).ceiling,
    seedAgreement: tableNoise(table).noiseCeiling,
    baselines: claim.baselines,
    bestBaseline: claim.baselines.find((b) => b.name === claim.best)!,
    baselineAdvantageInterval: claim.advantageInterval,
    ...withRegions(macsRegions(x, y, z, seed)),
    topEnd: topEndQuality(x, y, z),
    topK: { k, overlap: topKOverlap(x, y, k) },
    ...(pick
      ? {
          bestPick: {
            flopsLimit,
            pickedKey: truth[argmax(x)].key,
            picked: pick.picked,
            bestKey: truth[argmax(y)].key,
            best: pick.best,
            regret: pick.regret,
          },
        }
      : {}),
    points,
  };
}

/** The supernet's accuracy of each of the table's subnets (BN recalibrated), in table order. */
export async function inheritedAccuracies(
  table: TruthTable,
  evaluator: SubnetEvaluator,
  shouldStop?: () => boolean,
): Promise<number[]> {
  const truth = truthOf(table);
  const byKey = new Map<string, number>();
  await evaluator.evaluateAll(
    truth.map((t) => t.arch),
    (arch, evaluation) => byKey.set(archKey(arch), evaluation.accuracy),
    shouldStop,
  );
  return truth.map((t) => byKey.get(t.key)!);
}
