import { Rng } from '#shared/rng';
import { boundsOf, referencePoint } from './hypervolume';
import {
  EvaluationLedger,
  freshGenome,
  scoreUnlessStopped,
  stoppedBeforeAnyGeneration,
} from './ledger';
import { checkOptions, DEFAULT_DUPLICATE_RETRIES } from './options';
import type { ScoredGenome, Problem, SearchOptions, SearchResult, StopReason } from './types';

/**
 * Random search, the baseline NSGA-II must beat: batches of `population` random
 * genomes, `generations` batches, reported like NSGA-II's generations. A genome whose
 * key was evaluated before is redrawn up to `maxDuplicateRetries` times and then
 * dropped, so nothing is evaluated twice; a batch with nothing new ends the run
 * ('exhausted': the space, or what the retries can find of it, is used up).
 * Mutation and crossover options are ignored.
 */
export async function randomSearch<G>(
  problem: Problem<G>,
  options: SearchOptions<G>,
): Promise<SearchResult<G>> {
  checkOptions(options);
  const rng = new Rng(options.seed);
  const retries = options.maxDuplicateRetries ?? DEFAULT_DUPLICATE_RETRIES;
  const ledger = new EvaluationLedger(problem, options.maxEvaluations ?? Infinity);
  let reference: number[] = options.referencePoint ? [...options.referencePoint] : [];
  let batch: ScoredGenome<G>[] = [];
  let stopReason: StopReason = 'generations';
  let generation = 0;
  for (; generation < options.generations; generation++) {
    if (generation > 0 && options.shouldStop?.()) {
      stopReason = 'stopped';
      break;
    }
    if (ledger.remaining <= 0) {
      stopReason = 'budget';
      break;
    }
    const genomes = newGenomes(Math.min(options.population, ledger.remaining));
    if (genomes.length === 0) {
      stopReason = 'exhausted';
      break;
    }
    const scored = await scoreUnlessStopped(ledger, genomes);
    if (!scored) {
      if (generation === 0) return stoppedBeforeAnyGeneration(ledger, options);
      stopReason = 'stopped';
      break;
    }
    batch = scored;
    if (generation === 0 && !options.referencePoint) {
      reference = referencePoint(boundsOf(batch.map((e) => e.objectives)));
    }
    await options.onGeneration?.({
      generation,
      evaluations: ledger.evaluations,
      front: ledger.front(),
      hypervolume: ledger.hypervolume(reference),
      referencePoint: reference,
      population: batch,
    });
  }

  const evaluated = ledger.evaluated();
  return {
    front: ledger.front(),
    population: evaluated,
    evaluated,
    generations: generation,
    evaluations: ledger.evaluations,
    stopReason,
    referencePoint: reference,
    hypervolume: ledger.hypervolume(reference),
  };

  function newGenomes(count: number): G[] {
    const out: G[] = [];
    const keys = new Set<string>();
    const taken = (k: string) => keys.has(k) || ledger.has(k);
    for (let i = 0; i < count; i++) {
      const g = freshGenome(
        () => problem.random(rng),
        (x) => problem.key(x),
        taken,
        retries,
      );
      if (!g.fresh) continue;
      keys.add(g.key);
      out.push(g.genome);
    }
    return out;
  }
}
