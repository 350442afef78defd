import { figureOf, type Figures, type Metric, type MetricName } from '#shared/metrics';
import { isUpperBound, meets, parseConstraint, type Constraint } from '#shared/constraints';

/**
 * Everything in the search is minimised: an objective to maximise is negated once,
 * here, so dominance, crowding and hypervolume need no per-objective branches.
 */
export type Direction = 'min' | 'max';

export interface ObjectiveSpec {
  name: MetricName;
  direction: Direction;
}

/** Measured values of a subnet; only the objectives and constrained metrics are needed. */
export type Metrics = Partial<Record<Metric, number>> & Pick<Figures, 'deviceLatency'>;

/** What the search ranks: objectives (to minimise) and the total constraint violation (0 = feasible). */
export interface Score {
  objectives: readonly number[];
  violation: number;
}

/** The objectives of `search.objectives` in the order written (the first two are the chart axes). */
export function objectiveSpecs(objectives: Partial<Record<Metric, Direction>>): ObjectiveSpec[] {
  return (Object.entries(objectives) as [Metric, Direction | undefined][])
    .filter((e): e is [Metric, Direction] => e[1] !== undefined)
    .map(([name, direction]) => ({ name, direction }));
}

export const toMinimization = (value: number, direction: Direction): number =>
  direction === 'max' ? -value : value;

function metric(metrics: Metrics, name: MetricName): number {
  const v = figureOf(metrics as Figures, name);
  if (v === undefined) throw new Error(`The search needs '${name}' but it was not measured.`);
  return v;
}

export function objectiveVector(metrics: Metrics, specs: readonly ObjectiveSpec[]): number[] {
  return specs.map((s) => toMinimization(metric(metrics, s.name), s.direction));
}

/**
 * Smallest violation of a strict bound met with equality (`flops < 2M` at exactly 2M):
 * the amount is 0 there, yet the subnet must still count as infeasible.
 */
export const MIN_VIOLATION = 1e-12;

/**
 * How far `value` is from meeting `c`, relative to the bound: 0 when met, else
 * |value − bound| / |bound|. Relative amounts make a 10% overshoot of a FLOPs bound
 * (millions) weigh as much as a 10% overshoot of a latency bound (milliseconds) when
 * violations are summed; a bound of 0 is taken as a scale of 1.
 */
export function violationOf(c: Constraint, value: number): number {
  if (meets(c, value)) return 0;
  // A failed measurement (NaN) meets nothing; a NaN sum would compare as feasible.
  if (Number.isNaN(value)) return Infinity;
  const scale = c.value === 0 ? 1 : Math.abs(c.value);
  const excess = isUpperBound(c) ? value - c.value : c.value - value;
  return Math.max(excess / scale, MIN_VIOLATION);
}

/** Sum of the relative violations of all constraints: 0 exactly when every one is met. */
export function constraintViolation(metrics: Metrics, constraints: readonly Constraint[]): number {
  let total = 0;
  for (const c of constraints) total += violationOf(c, metric(metrics, c.metric));
  return total;
}

/** `search.constraints` parsed; the config checks report bad entries, so here they are errors. */
export function parseConstraints(texts: readonly string[]): Constraint[] {
  return texts.map((t) => {
    const c = parseConstraint(t);
    if (typeof c === 'string') throw new Error(c);
    return c;
  });
}

export function scoreMetrics(
  metrics: Metrics,
  specs: readonly ObjectiveSpec[],
  constraints: readonly Constraint[],
): Score {
  return {
    objectives: objectiveVector(metrics, specs),
    violation: constraintViolation(metrics, constraints),
  };
}

/** Pareto dominance for minimisation: no worse in every objective, better in one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

/**
 * Deb's constraint domination (Deb 2000; NSGA-II §VI): a feasible point beats an
 * infeasible one, of two infeasible points the smaller total violation wins, and
 * two feasible points compare by Pareto dominance. It is a strict partial order, so
 * fronts built with it nest exactly as with plain dominance.
 */
export function constrainedDominates(a: Score, b: Score): boolean {
  const aFeasible = a.violation <= 0;
  const bFeasible = b.violation <= 0;
  if (aFeasible && bFeasible) return dominates(a.objectives, b.objectives);
  if (aFeasible !== bFeasible) return aFeasible;
  return a.violation < b.violation;
}
