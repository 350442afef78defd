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
import { kendallTauB } from './rankCorrelation';
import { breedPair, oneAtATime } from './variation';
import { selectSurvivors, type Ranked } from './selection';
import type { Surrogate } from './surrogate';
import type {
  GenerationInfo,
  Problem,
  ScoredGenome,
  SearchOptions,
  SearchResult,
  StopReason,
} from './types';

/**
 * Candidates per real evaluation: the inner search keeps and breeds this many times the
 * population. Predictions cost microseconds where an evaluation costs seconds, so a
 * wide pool is nearly free and lets the batch be the best `population` of many.
 */
export const DEFAULT_CANDIDATES_PER_SLOT = 10;

/**
 * Inner generations per real one. 1 is the screening the issue describes and DyNAS-T's
 * LINAS does per iteration: NSGA-II breeds `candidates` offspring of the real population,
 * the predictor screens them, the best new ones are evaluated. Chosen on the tiny example
 * (lab/linas-vs-nsga2.ts, seeds 0–2, 320 evaluations): 20 inner generations let the
 * search run far on a predictor with τ ≈ 0.65 and missed the front's accurate end on
 * every seed; 1 reached plain NSGA-II's hypervolume sooner on two of three.
 */
export const DEFAULT_INNER_GENERATIONS = 1;

/**
 * Weight of the ensemble's spread in the optimistic objectives, mean − exploration ×
 * spread. 0 is DyNAS-T's plain LINAS (trust the mean). On the tiny example's seeds 0–2
 * (lab/linas-vs-nsga2.ts) 0, 0.5 and 2 differed by no more than the seeds did; 0 keeps
 * the method as published.
 */
export const DEFAULT_EXPLORATION = 0;

export interface LinasOptions<G = unknown> {
  /** Inner population and offspring per inner generation; default 10 × population. */
  candidates?: number;
  innerGenerations?: number;
  exploration?: number;
  /**
   * What is known of a genome without evaluating it (a subnet's MACs and parameters are
   * counted, not measured): those objectives, and the violation when every constraint is
   * on such figures, replace the surrogate's guesses; undefined ones are predicted.
   */
  exact?: (g: G) => { objectives: (number | undefined)[]; violation?: number };
}

/** Generation info with, from generation 1 on, the surrogate's mean predictions for the batch then evaluated. */
export type LinasGenerationInfo<G> = GenerationInfo<G> & {
  predicted?: { genome: G; objectives: number[] }[];
};

/** `SearchOptions` whose `onGeneration` also sees the predictions. Plain `SearchOptions` fit. */
export type LinasSearchOptions<G> = Omit<SearchOptions<G>, 'onGeneration'> & {
  onGeneration?(info: LinasGenerationInfo<G>): void | Promise<void>;
};

/**
 * LINAS (Cummings et al. 2022, DyNAS-T's "lightweight iterative NAS"): NSGA-II whose
 * offspring are chosen by a surrogate. Generation 0 is random, as in `nsga2`. Each later
 * generation fits `surrogate` on everything evaluated, runs an inner NSGA-II on
 * predicted scores only (starting from the population, `candidates` offspring per
 * inner generation), and evaluates the `population` best genomes of the inner
 * population not evaluated before, by predicted constraint-domination rank and
 * crowding. Survival is NSGA-II's (μ+λ) on the real scores. Only those batches reach
 * `evaluate`, each genome once; the run ends 'exhausted' when the inner search finds
 * nothing new. All randomness comes from `Rng(options.seed)` and the surrogate's own
 * seed, so a seed reproduces the run.
 */
export async function linas<G>(
  problem: Problem<G>,
  options: LinasSearchOptions<G>,
  surrogate: Surrogate<G>,
  linasOptions: LinasOptions<G> = {},
): Promise<SearchResult<G>> {
  checkOptions(options);
  const mu = options.population;
  const ledger = new EvaluationLedger(problem, options.maxEvaluations ?? Infinity);
  const inner = innerSearch(problem, options, surrogate, linasOptions, ledger);

  const first = await scoreUnlessStopped(
    ledger,
    randomBatch(inner, Math.min(mu, ledger.remaining)),
  );
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
    surrogate.fit(ledger.evaluated());
    const batch = propose(inner, pop.members, Math.min(mu, ledger.remaining));
    if (batch.length === 0) {
      stopReason = 'exhausted';
      break;
    }
    // Predicted now, before the await: a surrogate shared with another run may be refitted meanwhile.
    const predicted = surrogate
      .predict(batch)
      .map((p, i) => ({ genome: batch[i], objectives: p.objectives }));
    const scored = await scoreUnlessStopped(ledger, batch);
    if (!scored) {
      stopReason = 'stopped';
      break;
    }
    pop = selectSurvivors([...pop.members, ...scored], mu);
    await report(generation, predicted);
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

  async function report(g: number, predicted?: LinasGenerationInfo<G>['predicted']): Promise<void> {
    await options.onGeneration?.({
      generation: g,
      evaluations: ledger.evaluations,
      front: ledger.front(),
      hypervolume: ledger.hypervolume(reference),
      referencePoint: reference,
      population: pop.members,
      ...(predicted && { predicted }),
    });
  }
}

/** What the search on predicted scores needs: the run's variation, surrogate, ledger and settings. */
interface InnerSearch<G> {
  problem: Problem<G>;
  surrogate: Surrogate<G>;
  ledger: EvaluationLedger<G>;
  /** The run's one stream: inner and outer choices interleave deterministically. */
  rng: Rng;
  pool: number;
  generations: number;
  exploration: number;
  exact?: LinasOptions<G>['exact'];
  mutationRate: number;
  crossoverRate: number;
  retries: number;
}

function innerSearch<G>(
  problem: Problem<G>,
  options: LinasSearchOptions<G>,
  surrogate: Surrogate<G>,
  linasOptions: LinasOptions<G>,
  ledger: EvaluationLedger<G>,
): InnerSearch<G> {
  const pool = linasOptions.candidates ?? DEFAULT_CANDIDATES_PER_SLOT * options.population;
  const generations = linasOptions.innerGenerations ?? DEFAULT_INNER_GENERATIONS;
  const exploration = linasOptions.exploration ?? DEFAULT_EXPLORATION;
  if (!Number.isInteger(pool) || pool < 1) throw new Error(`candidates must be ≥ 1, got ${pool}.`);
  if (!Number.isInteger(generations) || generations < 1) {
    throw new Error(`innerGenerations must be ≥ 1, got ${generations}.`);
  }
  if (!(exploration >= 0)) throw new Error(`exploration must be ≥ 0, got ${exploration}.`);
  return {
    problem,
    surrogate,
    ledger,
    rng: new Rng(options.seed),
    pool,
    generations,
    exploration,
    ...(linasOptions.exact ? { exact: linasOptions.exact } : {}),
    mutationRate: options.mutationRate ?? DEFAULT_MUTATION_RATE,
    crossoverRate: options.crossoverRate ?? DEFAULT_CROSSOVER_RATE,
    retries: options.maxDuplicateRetries ?? DEFAULT_DUPLICATE_RETRIES,
  };
}

/** `count` random genomes, new to the ledger and each other where the retries allow. */
function randomBatch<G>(s: InnerSearch<G>, count: number): G[] {
  const batch: G[] = [];
  const keys = new Set<string>();
  while (batch.length < count) {
    const { genome, key } = freshGenome(
      () => s.problem.random(s.rng),
      (g) => s.problem.key(g),
      (k) => keys.has(k) || s.ledger.has(k),
      s.retries,
    );
    keys.add(key);
    batch.push(genome);
  }
  return batch;
}

/**
 * Up to `count` genomes never evaluated: the best that NSGA-II finds on predicted scores,
 * starting from `population`. Call after fitting the surrogate.
 */
function propose<G>(s: InnerSearch<G>, population: readonly ScoredGenome<G>[], count: number): G[] {
  // The population enters with its real scores: the predictions compete with the truth.
  const start = [...population];
  let inner = selectSurvivors(start, s.pool);
  // Every key predicted in this proposal: an offspring that repeats one adds nothing.
  const seen = new Set(population.map((g) => s.problem.key(g.genome)));
  for (let round = 0; round < s.generations; round++) {
    const parents = inner;
    const next = oneAtATime(() => breedPair(s, parents));
    const offspring: G[] = [];
    for (let i = 0; i < s.pool; i++) {
      const { genome, key, fresh } = freshGenome(
        next,
        (g) => s.problem.key(g),
        (k) => seen.has(k) || s.ledger.has(k),
        s.retries,
      );
      if (!fresh) continue;
      seen.add(key);
      offspring.push(genome);
    }
    inner = selectSurvivors([...inner.members, ...optimistic(s, offspring)], s.pool);
  }
  // Only offspring can be new to the ledger: they were checked against it when bred.
  const evaluatedStart = new Set<ScoredGenome<G>>(start);
  const candidates = inner.members.filter((m) => !evaluatedStart.has(m));
  return selectSurvivors(candidates, count).members.map((m) => m.genome);
}

/**
 * Predicted scores with each objective lowered by `exploration` times its spread; what
 * `exact` knows of a genome is taken as it is.
 */
function optimistic<G>(s: InnerSearch<G>, genomes: readonly G[]): ScoredGenome<G>[] {
  if (genomes.length === 0) return [];
  return s.surrogate.predict(genomes).map((p, i) => {
    const known = s.exact?.(genomes[i]);
    return {
      genome: genomes[i],
      objectives: p.objectives.map(
        (m, k) => known?.objectives[k] ?? m - s.exploration * p.spread[k],
      ),
      violation: known?.violation ?? p.violation,
    };
  });
}

/**
 * How well predictions matched the real values: Kendall's τ-b of the two (does the
 * surrogate rank as the evaluation does? NaN when either is constant) and the mean
 * absolute percentage error in %, over the values whose actual value is not 0 (NaN
 * when there are none).
 */
export function predictionQuality(
  predicted: readonly number[],
  actual: readonly number[],
): { tau: number; mape: number } {
  const tau = kendallTauB(predicted, actual);
  let sum = 0;
  let count = 0;
  actual.forEach((a, i) => {
    if (a === 0) return;
    sum += Math.abs((predicted[i] - a) / a);
    count++;
  });
  return { tau, mape: count > 0 ? (100 * sum) / count : NaN };
}
