import type { SearchConfig } from '../../config/configSchema';
import {
  deviceOf,
  figureOf,
  metricOfName,
  type Figures,
  type MetricName,
  type Objective,
} from '#shared/metrics';
import { isUpperBound, meets, parseConstraint, type Constraint } from '#shared/constraints';
import { formatCount } from '#shared/format/numbers';
import type { Score } from './dominance';
import { referencePoint, type ObjectiveBounds } from './hypervolume';

/**
 * A subnet's measured figures, the inputs of every objective and constraint: latency on
 * this machine and on devices only when something asked for it.
 */
export type Measures = Figures;

/** The config's objectives in their written order (the first two are the chart's axes). */
export function objectivesOf(search: SearchConfig): Objective[] {
  return Object.entries(search.objectives).map(([name, direction]) => ({
    name: metricOfName(name) as MetricName,
    direction: direction as 'max' | 'min',
  }));
}

/** The config's constraints, parsed; the config was validated, so a bad one is a bug. */
export function constraintsOf(search: SearchConfig): Constraint[] {
  return search.constraints.map((text) => {
    const c = parseConstraint(text);
    if (typeof c === 'string') throw new Error(c);
    return c;
  });
}

/** Whether latency on this machine has to be measured for each subnet. */
export const needsLatency = (objectives: Objective[], constraints: Constraint[]): boolean =>
  objectives.some((o) => o.name === 'latency') || constraints.some((c) => c.metric === 'latency');

/** The devices whose latency each subnet needs, in the order the config names them. */
export const devicesNeeded = (objectives: Objective[], constraints: Constraint[]): string[] => [
  ...new Set(
    [...objectives.map((o) => o.name), ...constraints.map((c) => c.metric)].flatMap((m) => {
      const d = deviceOf(m);
      return d === undefined ? [] : [d];
    }),
  ),
];

function value(m: Measures, name: MetricName): number {
  const v = figureOf(m, name);
  if (v === undefined || !Number.isFinite(v)) {
    throw new Error(`The subnet has no ${name} measurement.`);
  }
  return v;
}

/**
 * How far a subnet is from meeting the constraints: the sum of each unmet constraint's
 * excess relative to its bound, so that FLOPs and accuracy violations are comparable.
 * 0 when every constraint is met.
 */
export function violation(m: Measures, constraints: Constraint[]): number {
  let total = 0;
  for (const c of constraints) {
    const v = value(m, c.metric);
    if (meets(c, v)) continue;
    const scale = Math.max(Math.abs(c.value), 1e-9);
    // A strict bound that the value sits exactly on still counts as a small violation.
    total += Math.max(Math.abs(v - c.value) / scale, 1e-9);
  }
  return total;
}

/** Best and worst value each metric takes over the space, in its own direction of goodness. */
export interface SpaceRanges {
  flops: [number, number];
  params: [number, number];
  /** Of the smallest and the largest subnet, when latency is measured. */
  latency?: [number, number];
  /** The same on each device the search names. */
  deviceLatency?: Record<string, [number, number]>;
}

/** The range of a cost metric over the space, when it is known. */
function rangeOf(
  ranges: SpaceRanges,
  m: Exclude<MetricName, 'accuracy'>,
): [number, number] | undefined {
  const device = deviceOf(m);
  if (device !== undefined) return ranges.deviceLatency?.[device];
  return m === 'latency' ? ranges.latency : ranges[m as 'flops' | 'params'];
}

/**
 * Each objective's best and worst value over the space, minimised (accuracy negated):
 * accuracy from 1 to 0; FLOPs, params and latency from the smallest to the largest
 * subnet. Taken from the space rather than from what a search happened to find, so
 * every search of a run (NSGA-II, random, any seed) is measured on the same scale.
 */
export function objectiveBounds(objectives: Objective[], ranges: SpaceRanges): ObjectiveBounds[] {
  return objectives.map((o): ObjectiveBounds => {
    const range = o.name === 'accuracy' ? [0, 1] : rangeOf(ranges, o.name);
    if (!range) throw new Error(`The range of ${o.name} is needed for it to be an objective.`);
    const [lo, hi] = range;
    return o.direction === 'max' ? [-hi, -lo] : [lo, hi];
  });
}

/**
 * The score the search engines minimise: maximised objectives negated, and with
 * `bounds` each objective scaled so the space's best is 0 and its worst 1. Scaling
 * changes no dominance relation; it makes the hypervolume a unitless fraction (against
 * the reference point 1 + margin in every objective) instead of accuracy × MACs.
 */
export function scoreOf(
  m: Measures,
  objectives: Objective[],
  constraints: Constraint[],
  bounds?: readonly ObjectiveBounds[],
): Score {
  return {
    objectives: objectives.map((o, i) => {
      const v = (o.direction === 'max' ? -1 : 1) * value(m, o.name);
      if (!bounds) return v;
      const [best, worst] = bounds[i];
      return worst > best ? (v - best) / (worst - best) : 0;
    }),
    violation: violation(m, constraints),
  };
}

/**
 * What scoreOf gives for the figures that are counted, not measured (MACs, parameters), as
 * a predictor-assisted search uses them instead of guesses: the other objectives are
 * undefined, and the violation too unless every constraint is on counted figures.
 */
export function countedScore(
  cost: { flops: number; params: number },
  objectives: Objective[],
  constraints: Constraint[],
  bounds: readonly ObjectiveBounds[],
): { objectives: (number | undefined)[]; violation?: number } {
  const counted = (m: MetricName): m is 'flops' | 'params' => m === 'flops' || m === 'params';
  return {
    objectives: objectives.map((o, i) => {
      if (!counted(o.name)) return undefined;
      const v = (o.direction === 'max' ? -1 : 1) * cost[o.name];
      const [best, worst] = bounds[i];
      return worst > best ? (v - best) / (worst - best) : 0;
    }),
    ...(constraints.every((c) => counted(c.metric))
      ? { violation: violation({ accuracy: 0, ...cost }, constraints) }
      : {}),
  };
}

/** The reference point of scaled scores: just beyond the worst value of each objective. */
export const scaledReferencePoint = (objectives: Objective[]): number[] =>
  referencePoint(objectives.map((): ObjectiveBounds => [0, 1]));

const UNITS = {
  accuracy: (v: number) => `${(100 * v).toFixed(2)}%`,
  flops: (v: number) => `${formatCount(v)} MACs`,
  params: (v: number) => `${formatCount(v)} parameters`,
  latency: (v: number) => `${v.toFixed(3)} ms`,
};

export const formatMeasure = (name: MetricName, v: number): string => {
  const device = deviceOf(name);
  return device !== undefined ? `${UNITS.latency(v)} on ${device}` : UNITS[name as 'latency'](v);
};

/**
 * A constraint no subnet can meet, judged from the space's ranges before anything is
 * evaluated; the message names the best achievable value. Accuracy cannot be judged
 * before evaluation and is never reported here.
 */
export function unmeetableConstraint(
  constraints: Constraint[],
  texts: readonly string[],
  ranges: SpaceRanges,
): string | undefined {
  for (const [i, c] of constraints.entries()) {
    if (c.metric === 'accuracy') continue;
    const range = rangeOf(ranges, c.metric);
    if (!range) continue;
    const achievable = isUpperBound(c) ? range[0] : range[1];
    if (!meets(c, achievable)) {
      const which = isUpperBound(c) ? 'smallest' : 'largest';
      return (
        `No subnet meets the constraint '${texts[i]}': the ${which} subnet of the space has ` +
        `${formatMeasure(c.metric, achievable)}. Relax the constraint or change the space.`
      );
    }
  }
  return undefined;
}
