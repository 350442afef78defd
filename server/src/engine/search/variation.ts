import type { Rng } from '#shared/rng';
import { tournament, type Ranked } from './selection';
import type { Problem } from './types';

/** What breeding needs: the problem's own variation, the run's one random stream, and NSGA-II's rates. */
export interface Breeding<G> {
  problem: Problem<G>;
  rng: Rng;
  crossoverRate: number;
  mutationRate: number;
}

/**
 * Two children of two parents chosen by binary tournament: recombined with probability
 * `crossoverRate` (else copied), then each gene resampled with probability `mutationRate`.
 * NSGA-II breeds its offspring so, and LINAS the candidates its predictor screens.
 */
export function breedPair<G>(b: Breeding<G>, parents: Ranked<G>): G[] {
  const x = tournament(parents, b.rng).genome;
  const y = tournament(parents, b.rng).genome;
  const [c, d] = b.rng.next() < b.crossoverRate ? b.problem.crossover(x, y, b.rng) : [x, y];
  return [b.problem.mutate(c, b.rng, b.mutationRate), b.problem.mutate(d, b.rng, b.mutationRate)];
}

/** One genome at a time from a maker of several (crossover makes children in pairs). */
export function oneAtATime<G>(make: () => G[]): () => G {
  let pending: G[] = [];
  return () => {
    if (pending.length === 0) pending = make();
    return pending.shift() as G;
  };
}
