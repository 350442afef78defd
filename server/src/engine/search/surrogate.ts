import { Rng } from '#shared/rng';
import { valueOf } from '../../space/decisions';
import type { ArchGenome, ArchProblem } from './archProblem';
import { RidgeEnsemble, type RidgeEnsembleOptions } from './ridgeEnsemble';
import type { ScoredGenome } from './types';

/** A surrogate's guess at a genome's score. */
export interface Predicted {
  /** Expected objectives (minimised), as `evaluate` would return them. */
  objectives: number[];
  /** Expected total constraint violation, never below 0. */
  violation: number;
  /** Per objective, how unsure the surrogate is (a standard deviation; 0 = certain). */
  spread: number[];
}

/**
 * A cheap model of a problem's scores, learnt from genomes already evaluated, so that a
 * search can rank many candidates before spending real evaluations on a few.
 */
export interface Surrogate<G> {
  /** Learns from `evaluated` (all of it, replacing what was learnt before). */
  fit(evaluated: readonly ScoredGenome<G>[]): void;
  /** Predictions for `batch`, in its order; only after `fit`. */
  predict(batch: readonly G[]): Predicted[];
}

export interface RidgeSurrogateOptions extends RidgeEnsembleOptions {
  /** Seed of the bootstrap draws; default 0. */
  seed?: number;
}

/**
 * One bagged ridge ensemble per objective and one for the violation, over `features`
 * of the genome. Every `fit` draws its bootstrap rows from a fresh `Rng(seed)`, so a
 * fit is a function of the data alone: two searches sharing the surrogate, or one
 * resumed, see the same model for the same evaluations. A problem without
 * constraints (violations all 0) gets a violation model that predicts exactly 0.
 */
export function ridgeSurrogate<G>(
  features: (g: G) => Float64Array,
  options: RidgeSurrogateOptions = {},
): Surrogate<G> {
  let objectiveModels: RidgeEnsemble[] | undefined;
  let violationModel: RidgeEnsemble | undefined;
  return {
    fit(evaluated) {
      if (evaluated.length === 0) throw new Error('A surrogate needs evaluated genomes to fit.');
      const rng = new Rng(options.seed ?? 0);
      const rows = evaluated.map((e) => features(e.genome));
      const m = evaluated[0].objectives.length;
      objectiveModels = Array.from({ length: m }, (_, k) =>
        RidgeEnsemble.fit(
          rows,
          evaluated.map((e) => e.objectives[k]),
          rng,
          options,
        ),
      );
      violationModel = RidgeEnsemble.fit(
        rows,
        evaluated.map((e) => e.violation),
        rng,
        options,
      );
    },
    predict(batch) {
      if (!objectiveModels || !violationModel) throw new Error('Fit the surrogate first.');
      const rows = batch.map(features);
      const objectives = objectiveModels.map((model) => model.predict(rows));
      const violation = violationModel.predict(rows).mean;
      return batch.map((_, i) => ({
        objectives: objectives.map((p) => p.mean[i]),
        // A linear model extrapolates below 0; a negative violation would mean "more than feasible".
        violation: Math.max(0, violation[i]),
        spread: objectives.map((p) => p.std[i]),
      }));
    },
  };
}

/**
 * Features of a subnet genome: per decision, one 0/1 column per choice. The columns of a
 * decision the subnet does not use (the kernel and expand of blocks beyond a stage's
 * depth) are all 0, whatever its gene says, so genomes that are the same subnet have the
 * same features and a model cannot learn from genes that change nothing.
 */
export function archFeatures(problem: ArchProblem): (g: ArchGenome) => Float64Array {
  const all = problem.decisions.all;
  const offsets: number[] = [];
  let width = 0;
  for (const d of all) {
    offsets.push(width);
    width += d.choices.length;
  }
  return (g) => {
    const arch = problem.decode(g);
    const row = new Float64Array(width);
    all.forEach((d, i) => {
      const v = valueOf(arch, d);
      if (v !== undefined) row[offsets[i] + d.choices.indexOf(v)] = 1;
    });
    return row;
  };
}
