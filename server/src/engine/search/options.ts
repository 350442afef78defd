import type { SearchConfig } from '../../config/configSchema';
import type { SearchOptions } from './types';

export const DEFAULT_MUTATION_RATE = 0.1;
export const DEFAULT_CROSSOVER_RATE = 0.9;
/** Enough for a new genome whenever at least ~1 in 8 tries is new (0.875²⁰ ≈ 7%). */
export const DEFAULT_DUPLICATE_RETRIES = 20;

/** Throws on options no search can run with (the config schema already bounds its own). */
export function checkOptions(o: SearchOptions<unknown>): void {
  const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
  if (!positiveInt(o.population)) throw new Error(`population must be ≥ 1, got ${o.population}.`);
  if (!positiveInt(o.generations)) {
    throw new Error(`generations must be ≥ 1, got ${o.generations}.`);
  }
  if (o.maxEvaluations !== undefined && !(o.maxEvaluations >= 1)) {
    throw new Error(`maxEvaluations must be ≥ 1, got ${o.maxEvaluations}.`);
  }
  for (const [name, v] of [
    ['mutationRate', o.mutationRate],
    ['crossoverRate', o.crossoverRate],
  ] as const) {
    if (v !== undefined && !(v >= 0 && v <= 1)) {
      throw new Error(`${name} must be in [0, 1], got ${v}.`);
    }
  }
}

/** The options a `search:` section fixes; hooks, budget and reference point are the caller's. */
export function searchOptionsFrom(
  search: SearchConfig,
): Pick<
  SearchOptions<unknown>,
  'population' | 'generations' | 'seed' | 'mutationRate' | 'crossoverRate'
> {
  return {
    population: search.population,
    generations: search.generations,
    seed: search.seed,
    mutationRate: search.mutationRate,
    crossoverRate: search.crossoverRate,
  };
}
