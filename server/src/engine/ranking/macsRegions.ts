import type { MacsRegion } from '#shared/ranking';
import { kendallTauB } from '../search/rankCorrelation';
import { bootstrapInterval } from '../search/rankingStats';

/** Fewer subnets than this in a third of the MACs range say nothing about its order. */
export const MIN_REGION_SUBNETS = 5;

/**
 * Where along the MACs axis the supernet's order of subnets can be trusted: the subnets cut
 * into three MACs ranges of (nearly) equal count, and in each the supernet's τ-b against the
 * stand-alone accuracies with its 95% bootstrap interval (subnets in the range resampled,
 * seeded), beside the τ of MACs alone there. A range whose interval is above 0 orders its
 * subnets better than chance; across a whole front that is what a user picks by. Undefined
 * when a range would hold fewer than MIN_REGION_SUBNETS subnets.
 */
export function macsRegions(
  predicted: readonly number[],
  truth: readonly number[],
  macs: readonly number[],
  seed = 0,
): MacsRegion[] | undefined {
  const n = predicted.length;
  if (n < 3 * MIN_REGION_SUBNETS) return undefined;
  const order = [...predicted.keys()].sort((a, b) => macs[a] - macs[b] || a - b);
  return [0, 1, 2].map((r) => {
    const rows = order.slice(Math.round((r * n) / 3), Math.round(((r + 1) * n) / 3));
    const x = rows.map((i) => predicted[i]);
    const y = rows.map((i) => truth[i]);
    const z = rows.map((i) => macs[i]);
    return {
      fromMacs: z[0],
      toMacs: z[z.length - 1],
      subnets: rows.length,
      kendallTau: kendallTauB(x, y),
      kendallTauInterval: bootstrapInterval(x, y, kendallTauB, { seed: seed + r }),
      macsKendallTau: kendallTauB(z, y),
    };
  });
}

/** `{ regions }` when there are any: the field stays absent below 15 subnets. */
export const withRegions = (regions: MacsRegion[] | undefined): { regions?: MacsRegion[] } =>
  regions ? { regions } : {};
