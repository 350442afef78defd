import type { Rng } from '#shared/rng';
import type { Score } from './dominance';

/** A genome with its score: objectives to minimise and total constraint violation (0 = feasible). */
export interface ScoredGenome<G> extends Score {
  genome: G;
}

/**
 * What a search needs to know about a genome. Variation is the problem's own (uniform
 * crossover and per-gene resampling for subnets, SBX and polynomial mutation for real
 * vectors); the engines only select, deduplicate and budget.
 */
export interface Problem<G> {
  random(rng: Rng): G;
  /** Recombines two parents into two children; the engine decides whether to call it (`crossoverRate`). */
  crossover(a: G, b: G, rng: Rng): [G, G];
  /** A copy of `g` with each gene changed with probability `rate`. */
  mutate(g: G, rng: Rng, rate: number): G;
  /** Equal keys mean the same solution: it is evaluated once. */
  key(g: G): string;
  /** Scores of `batch`, in its order. Objectives must be finite and minimised. */
  evaluate(batch: G[]): Promise<ScoredGenome<G>[]>;
}

export interface GenerationInfo<G> {
  /** 0 for the initial population (or the first batch of random search). */
  generation: number;
  /** Calls of `evaluate` so far, counted per genome. */
  evaluations: number;
  /** Non-dominated points among everything evaluated so far (constraint domination). */
  front: readonly ScoredGenome<G>[];
  /** Hypervolume of the feasible part of `front` against the run's reference point. */
  hypervolume: number;
  /** The reference point of `hypervolume`, fixed for the run. */
  referencePoint: readonly number[];
  /** NSGA-II: the survivors of this generation; random search: this generation's batch. */
  population: readonly ScoredGenome<G>[];
}

export interface SearchOptions<G> {
  /** NSGA-II population size μ (= offspring per generation λ); random search batch size. */
  population: number;
  /** Generations including the initial one: at most population × generations evaluations. */
  generations: number;
  seed: number;
  /** NSGA-II: probability that each gene of a child is changed. */
  mutationRate?: number;
  /** NSGA-II: probability that two parents are recombined, else they are copied. */
  crossoverRate?: number;
  /** Stops the run once this many genomes are evaluated (the last batch is cut to fit). */
  maxEvaluations?: number;
  /**
   * Reference point of the reported hypervolume, in minimised objectives. Default:
   * `referencePoint(boundsOf(...))` of the first generation, kept for the whole run
   * so the values are comparable between generations.
   */
  referencePoint?: readonly number[];
  /** Attempts at a genome not evaluated before, per slot, before a duplicate is accepted. */
  maxDuplicateRetries?: number;
  onGeneration?(info: GenerationInfo<G>): void | Promise<void>;
  /** Checked between generations; true ends the run with what it has. */
  shouldStop?(): boolean;
}

export type StopReason = 'generations' | 'budget' | 'stopped' | 'exhausted';

export interface SearchResult<G> {
  /** Non-dominated points among everything evaluated (constraint domination). */
  front: ScoredGenome<G>[];
  /** NSGA-II: the final population; random search: every genome evaluated. */
  population: ScoredGenome<G>[];
  /** Every genome evaluated, in the order it was evaluated. */
  evaluated: ScoredGenome<G>[];
  generations: number;
  evaluations: number;
  stopReason: StopReason;
  referencePoint: number[];
  hypervolume: number;
}
