import type { Rng } from '#shared/rng';
import type { Score } from '../../../../server/src/engine/search/dominance';
import { polynomialMutation, sbx } from './realVariation';
import type { Problem } from '../../../../server/src/engine/search/types';

export interface RealProblemSpec {
  lower: readonly number[];
  upper: readonly number[];
  /** Objectives (minimised) and constraint violation of one point. */
  score(x: readonly number[]): Score;
  /** SBX distribution index; 15 as in Deb et al.'s NSGA-II experiments. */
  crossoverEta?: number;
  /** Polynomial-mutation distribution index; 20 as in Deb et al.'s NSGA-II experiments. */
  mutationEta?: number;
}

/**
 * A continuous problem (ZDT and the like) for the generic engines: genomes are
 * vectors in a box, varied by SBX and polynomial mutation. Pair it with
 * `mutationRate` ≈ 1/variables, the usual setting. The key is the exact values, so
 * only bit-identical vectors count as duplicates.
 */
export function realProblem(spec: RealProblemSpec): Problem<number[]> {
  const { lower, upper } = spec;
  if (lower.length !== upper.length || lower.some((l, i) => !(l <= upper[i]))) {
    throw new Error('realProblem needs lower ≤ upper, one bound pair per variable.');
  }
  const crossoverEta = spec.crossoverEta ?? 15;
  const mutationEta = spec.mutationEta ?? 20;
  return {
    random: (rng: Rng) => lower.map((l, i) => l + rng.next() * (upper[i] - l)),
    crossover: (a, b, rng) => sbx(a, b, lower, upper, crossoverEta, rng),
    mutate: (g, rng, rate) => polynomialMutation(g, lower, upper, mutationEta, rate, rng),
    key: (g) => g.join(','),
    evaluate: (batch) =>
      Promise.resolve(
        batch.map((x) => {
          const s = spec.score(x);
          return { genome: x, objectives: s.objectives, violation: s.violation };
        }),
      ),
  };
}
