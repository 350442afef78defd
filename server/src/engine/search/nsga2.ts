import { Rng } from '#shared/rng';
import { boundsOf, referencePoint } from './hypervolume';
import {
  EvaluationLedger,
  freshGenome,
  scoreUnlessStopped,
  stoppedBeforeAnyGeneration,
} from './ledger';
import {
  checkOptions,
  DEFAULT_CROSSOVER_RATE,
  DEFAULT_DUPLICATE_RETRIES,
  DEFAULT_MUTATION_RATE,
} from './options';
import { selectSurvivors, type Ranked } from './selection';
import { breedPair, oneAtATime } from './variation';
import type { Problem, SearchOptions, SearchResult, StopReason } from './types';

/**
 * NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002) over any genome: binary tournament
 * on (rank, crowding), crossover and mutation from the problem, (μ+λ) survival by
 * constraint-dominated fronts and crowding. Offspring avoid genomes seen before (in
 * the population, this generation's offspring or any earlier evaluation) for a bounded
 * number of tries, so budget goes to new solutions; a duplicate that is accepted reuses
 * its score rather than being evaluated again. Every random choice comes from one
 * `Rng` seeded by `options.seed`, so a seed and a deterministic `evaluate` give the
 * same run.
 */
export async function nsga2<G>(
  problem: Problem<G>,
  options: SearchOptions<G>,
): Promise<SearchResult<G>> {
  checkOptions(options);
  const rng = new Rng(options.seed);
  const mu = options.population;
  const mutationRate = options.mutationRate ?? DEFAULT_MUTATION_RATE;
  const crossoverRate = options.crossoverRate ?? DEFAULT_CROSSOVER_RATE;
  const retries = options.maxDuplicateRetries ?? DEFAULT_DUPLICATE_RETRIES;
  const ledger = new EvaluationLedger(problem, options.maxEvaluations ?? Infinity);
  const breeding = { problem, rng, crossoverRate, mutationRate };

  const initial = freshBatch(Math.min(mu, ledger.remaining), () => problem.random(rng));
  const first = await scoreUnlessStopped(ledger, initial);
  if (!first) return stoppedBeforeAnyGeneration(ledger, options);
  let pop: Ranked<G> = selectSurvivors(first, mu);
  const reference = [
    ...(options.referencePoint ?? referencePoint(boundsOf(pop.members.map((m) => m.objectives)))),
  ];
  await report(0);

  let generation = 1;
  let stopReason: StopReason = 'generations';
  for (; generation < options.generations; generation++) {
    if (options.shouldStop?.()) {
      stopReason = 'stopped';
      break;
    }
    if (ledger.remaining <= 0) {
      stopReason = 'budget';
      break;
    }
    const parents = pop;
    const offspring = freshBatch(
      Math.min(mu, ledger.remaining),
      oneAtATime(() => breedPair(breeding, parents)),
    );
    const scored = await scoreUnlessStopped(ledger, offspring);
    if (!scored) {
      stopReason = 'stopped';
      break;
    }
    pop = selectSurvivors([...pop.members, ...scored], mu);
    await report(generation);
  }

  return {
    front: ledger.front(),
    population: pop.members,
    evaluated: ledger.evaluated(),
    generations: generation,
    evaluations: ledger.evaluations,
    stopReason,
    referencePoint: reference,
    hypervolume: ledger.hypervolume(reference),
  };

  /** `count` genomes from `make`, each new to the ledger and to the batch if `retries` allow. */
  function freshBatch(count: number, make: () => G): G[] {
    const batch: G[] = [];
    const keys = new Set<string>();
    const taken = (k: string) => keys.has(k) || ledger.has(k);
    while (batch.length < count) {
      const { genome, key } = freshGenome(make, (g) => problem.key(g), taken, retries);
      keys.add(key);
      batch.push(genome);
    }
    return batch;
  }

  async function report(g: number): Promise<void> {
    await options.onGeneration?.({
      generation: g,
      evaluations: ledger.evaluations,
      front: ledger.front(),
      hypervolume: ledger.hypervolume(reference),
      referencePoint: reference,
      population: pop.members,
    });
  }
}
