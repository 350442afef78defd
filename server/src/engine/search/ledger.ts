import { Cancelled } from '../runError';
import { constrainedDominates } from './dominance';
import { hypervolume } from './hypervolume';
import type { ScoredGenome, Problem, SearchOptions, SearchResult } from './types';

/**
 * The bookkeeping both searches share: every evaluation by key (so no genome is ever
 * sent to `evaluate` twice), the evaluation budget, and the non-dominated set of all
 * that was evaluated. That set is kept incrementally, which is exact because
 * constraint domination is a strict partial order: the best of A ∪ B is the best of
 * (best of A) ∪ B.
 */
export class EvaluationLedger<G> {
  private readonly byKey = new Map<string, ScoredGenome<G>>();
  private readonly all: ScoredGenome<G>[] = [];
  private best: ScoredGenome<G>[] = [];
  private objectiveCount: number | undefined;

  constructor(
    private readonly problem: Problem<G>,
    private readonly maxEvaluations: number,
  ) {}

  get evaluations(): number {
    return this.all.length;
  }

  get remaining(): number {
    return this.maxEvaluations - this.all.length;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Every genome evaluated, in order. */
  evaluated(): ScoredGenome<G>[] {
    return [...this.all];
  }

  /** Non-dominated points among everything evaluated, in the order they were found. */
  front(): ScoredGenome<G>[] {
    return [...this.best];
  }

  /** Hypervolume of the feasible part of the front. */
  hypervolume(reference: readonly number[]): number {
    return hypervolume(
      this.best.filter((e) => e.violation <= 0).map((e) => e.objectives),
      reference,
    );
  }

  /**
   * Scores of `batch` in its order. Genomes whose key was evaluated before, or occurs
   * earlier in the batch, reuse that score (with their own genome) and cost nothing.
   */
  async score(batch: readonly G[]): Promise<ScoredGenome<G>[]> {
    const keys = batch.map((g) => this.problem.key(g));
    const fresh: G[] = [];
    const freshKeys: string[] = [];
    const inBatch = new Set<string>();
    batch.forEach((g, i) => {
      if (this.byKey.has(keys[i]) || inBatch.has(keys[i])) return;
      inBatch.add(keys[i]);
      fresh.push(g);
      freshKeys.push(keys[i]);
    });
    if (fresh.length > this.remaining) {
      throw new Error(
        `${fresh.length} evaluations asked for, ${this.remaining} left in the budget.`,
      );
    }
    if (fresh.length > 0) {
      const results = await this.problem.evaluate(fresh);
      if (results.length !== fresh.length) {
        throw new Error(`evaluate returned ${results.length} scores for ${fresh.length} genomes.`);
      }
      results.forEach((r, i) => {
        this.check(r);
        const e: ScoredGenome<G> = {
          genome: fresh[i],
          objectives: r.objectives,
          violation: r.violation,
        };
        this.byKey.set(freshKeys[i], e);
        this.all.push(e);
        this.admit(e);
      });
    }
    return batch.map((g, i) => {
      const known = this.byKey.get(keys[i]) as ScoredGenome<G>;
      return known.genome === g ? known : { ...known, genome: g };
    });
  }

  private check(r: ScoredGenome<G>): void {
    this.objectiveCount ??= r.objectives.length;
    if (r.objectives.length !== this.objectiveCount) {
      throw new Error(
        `evaluate returned ${r.objectives.length} objectives, earlier ${this.objectiveCount}.`,
      );
    }
    if (!r.objectives.every(Number.isFinite)) {
      // Rankings and crowding are meaningless with NaN; a failed subnet should be infeasible instead.
      throw new Error(`evaluate returned non-finite objectives [${r.objectives.join(', ')}].`);
    }
    if (!(r.violation >= 0)) throw new Error(`evaluate returned violation ${r.violation}.`);
  }

  private admit(e: ScoredGenome<G>): void {
    if (this.best.some((b) => constrainedDominates(b, e))) return;
    this.best = this.best.filter((b) => !constrainedDominates(e, b));
    this.best.push(e);
  }
}

/**
 * A genome from `make` whose key is not `taken`, trying at most 1 + `retries` times;
 * `fresh` is false when every try was taken (the last one is returned).
 */
export function freshGenome<G>(
  make: () => G,
  key: (g: G) => string,
  taken: (key: string) => boolean,
  retries: number,
): { genome: G; key: string; fresh: boolean } {
  let genome = make();
  let k = key(genome);
  for (let i = 0; i < retries && taken(k); i++) {
    genome = make();
    k = key(genome);
  }
  return { genome, key: k, fresh: !taken(k) };
}

/**
 * The batch's scores, or undefined when the evaluation was cancelled part-way (a stop
 * asked for while a generation's jobs were out): the search ends with what it had.
 */
export async function scoreUnlessStopped<G>(
  ledger: EvaluationLedger<G>,
  batch: readonly G[],
): Promise<ScoredGenome<G>[] | undefined> {
  try {
    return await ledger.score(batch);
  } catch (e) {
    if (e instanceof Cancelled) return undefined;
    throw e;
  }
}

/** The result of a search stopped before its first generation was scored. */
export function stoppedBeforeAnyGeneration<G>(
  ledger: EvaluationLedger<G>,
  options: SearchOptions<G>,
): SearchResult<G> {
  return {
    front: [],
    population: [],
    evaluated: [],
    generations: 0,
    evaluations: ledger.evaluations,
    stopReason: 'stopped',
    referencePoint: [...(options.referencePoint ?? [])],
    hypervolume: 0,
  };
}
