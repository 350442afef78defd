import { isUpperBound, meets, parseConstraint } from '../constraints';
import {
  deviceMetric,
  figureOf,
  isMetricName,
  METRICS,
  naturalDirection,
  type Direction,
  type MetricName,
  type Objective,
} from '../metrics';
import type { CandidatePoint } from './chartModel';

/** The Pareto chart's choices: which figures go on which axis, and what is better. */

export interface ParetoAxes {
  x: MetricName;
  y: MetricName;
}

/** An objective as a file or an event carries it: its name not yet known to be a metric. */
type WrittenObjective = Omit<Objective, 'name'> & { name: string };

export function directionOf(m: MetricName, objectives: readonly WrittenObjective[]): Direction {
  return objectives.find((o) => o.name === m)?.direction ?? naturalDirection(m);
}

export const valueOf = (p: CandidatePoint, m: MetricName): number | undefined => figureOf(p, m);

/**
 * The figures that some candidate has: latency only once subnets were measured, and the
 * latency on each device some candidate was timed on (or predicted for), by name.
 */
export function availableMetrics(points: readonly CandidatePoint[]): MetricName[] {
  const devices = new Set<string>();
  for (const p of points) for (const d of Object.keys(p.deviceLatency ?? {})) devices.add(d);
  return [
    ...METRICS.filter((m) => points.some((p) => valueOf(p, m) !== undefined)),
    ...[...devices].sort().map(deviceMetric),
  ];
}

/**
 * The default axes: the config's first two objectives ("the first two are the axes of
 * the Pareto chart"), cost across and accuracy up when accuracy is one of them.
 */
export function defaultAxes(
  objectives: readonly WrittenObjective[],
  available: readonly MetricName[],
): ParetoAxes {
  const names = objectives.map((o) => o.name).filter(isMetricName);
  const pool = [...names, ...METRICS.filter((m) => !names.includes(m))].filter(
    (m) => available.length === 0 || available.includes(m),
  );
  if (pool.length < 2) return { x: 'flops', y: 'accuracy' };
  const [a, b] = pool;
  return a === 'accuracy' ? { x: b, y: a } : { x: a, y: b };
}

/** Whether a point meets the constraints: the engine's verdict when it gave one. */
export function isFeasible(p: CandidatePoint, constraints: readonly string[]): boolean {
  if (p.feasible !== undefined) return p.feasible;
  for (const text of constraints) {
    const c = parseConstraint(text);
    if (typeof c === 'string') continue;
    const v = valueOf(p, c.metric);
    if (v === undefined || !meets(c, v)) return false;
  }
  return true;
}

/**
 * The feasible points that no other feasible point beats on both axes, ordered by x
 * ascending so the chart can draw them as a staircase. `a` dominates `b` when it is at
 * least as good on both and better on one; equal points are all kept.
 */
export function paretoFront(
  points: readonly CandidatePoint[],
  axes: ParetoAxes,
  directions: { x: Direction; y: Direction },
  constraints: readonly string[] = [],
): CandidatePoint[] {
  const sx = directions.x === 'max' ? -1 : 1;
  const sy = directions.y === 'max' ? -1 : 1;
  // Minimise sx·x and sy·y: sort by x (better first), then y (better first), sweep.
  const rows = points
    .filter((p) => isFeasible(p, constraints))
    .flatMap((p) => {
      const x = valueOf(p, axes.x);
      const y = valueOf(p, axes.y);
      return x === undefined || y === undefined ? [] : [{ p, x: sx * x, y: sy * y }];
    })
    .sort((a, b) => a.x - b.x || a.y - b.y);
  const front: CandidatePoint[] = [];
  let best: { x: number; y: number } | undefined;
  for (const r of rows) {
    if (!best || r.y < best.y) {
      best = { x: r.x, y: r.y };
      front.push(r.p);
    } else if (r.y === best.y && r.x === best.x) {
      front.push(r.p);
    }
  }
  return front.sort((a, b) => (valueOf(a, axes.x) ?? 0) - (valueOf(b, axes.x) ?? 0));
}

/** A constraint drawn on the chart: a vertical line for the x metric, horizontal for y. */
export interface BoundaryLine {
  axis: 'x' | 'y';
  value: number;
  /** Whether feasible values lie below (`<=`, `<`) or above the line. */
  upper: boolean;
  text: string;
}

export interface ConstraintBoundary {
  lines: BoundaryLine[];
  /** Constraints on a metric that is on neither axis: listed, not drawn. */
  offAxis: string[];
  /** Constraints that do not parse, with the parser's message. */
  errors: string[];
}

export function constraintBoundary(
  constraints: readonly string[],
  axes: ParetoAxes,
): ConstraintBoundary {
  const out: ConstraintBoundary = { lines: [], offAxis: [], errors: [] };
  for (const text of constraints) {
    const c = parseConstraint(text);
    if (typeof c === 'string') {
      out.errors.push(c);
      continue;
    }
    const axis = c.metric === axes.x ? 'x' : c.metric === axes.y ? 'y' : undefined;
    if (axis) out.lines.push({ axis, value: c.value, upper: isUpperBound(c), text: text.trim() });
    else out.offAxis.push(text.trim());
  }
  return out;
}
