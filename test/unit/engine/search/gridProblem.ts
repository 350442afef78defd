import type { Rng } from '#shared/rng';
import type { Score } from '../../../../server/src/engine/search/dominance';
import type { Problem } from '../../../../server/src/engine/search/types';

/**
 * A small discrete problem: `genes` genes of `choices` values each, so duplicates are
 * common. Records every genome sent to `evaluate`, for tests about re-evaluation.
 */
export function gridProblem(
  genes: number,
  choices: number,
  score: (g: readonly number[]) => Score,
): Problem<number[]> & { batches: number[][][] } {
  const batches: number[][][] = [];
  return {
    batches,
    random: (rng: Rng) => Array.from({ length: genes }, () => rng.int(choices)),
    crossover(a, b, rng) {
      const c = [...a];
      const d = [...b];
      for (let i = 0; i < genes; i++) {
        if (rng.next() < 0.5) [c[i], d[i]] = [b[i], a[i]];
      }
      return [c, d];
    },
    mutate: (g, rng, rate) => g.map((v) => (rng.next() < rate ? rng.int(choices) : v)),
    key: (g) => g.join(','),
    evaluate(batch) {
      batches.push(batch.map((g) => [...g]));
      return Promise.resolve(batch.map((genome) => ({ genome, ...score(genome) })));
    },
  };
}

/** Two conflicting objectives over the genes: their sum and the sum of their complements. */
export const sumAndComplement =
  (choices: number) =>
  (g: readonly number[]): Score => ({
    objectives: [g.reduce((s, v) => s + v, 0), g.reduce((s, v) => s + (choices - 1 - v), 0)],
    violation: 0,
  });
