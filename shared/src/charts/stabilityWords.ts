import { STABLE_TAU } from '../protocol/engine';
import type { RankingState, StabilityPoint } from './rankingModel';

/**
 * What a user is told of their supernet's ranking maturity, from the last epoch's
 * stability (engine/ranking/rankingStability.ts): whether to train on before trusting the
 * top of the front. Plain words, for the Ranking tab and the Runs tree.
 */

export const lastStability = (state: RankingState | undefined): StabilityPoint | undefined =>
  state?.stability.at(-1);

export function stabilityWords(p: StabilityPoint | undefined): string | undefined {
  if (!p) return undefined;
  if (p.kendallTau === null)
    return (
      `Ranking maturity: ${p.probe} probe subnets scored at epoch ${p.epoch}; from the next ` +
      `epoch on their order is compared with the last one's to tell whether the ranking has settled.`
    );
  const tau = p.kendallTau.toFixed(2);
  if (p.settled)
    return (
      `The ranking has settled: ${p.probe} probe subnets kept their order between epochs ` +
      `${p.epoch - 1} and ${p.epoch} (τ ${tau} ≥ ${STABLE_TAU}). Settled is not right: ` +
      `Check Ranking says how well that order matches training alone.`
    );
  return (
    `The ranking is still moving (τ ${tau} between epochs ${p.epoch - 1} and ${p.epoch} over ` +
    `${p.probe} probe subnets, below ${STABLE_TAU}): train on before you trust the order at ` +
    `the top of the front.`
  );
}

/** A few words for the Runs tree's line of a run. */
export function stabilityShort(p: StabilityPoint | undefined): string | undefined {
  if (!p || p.kendallTau === null) return undefined;
  return p.settled ? 'ranking settled' : 'ranking still moving';
}
