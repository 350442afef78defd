/**
 * The figures a subnet is measured by: the objectives and constraints of a search, the
 * axes of the Pareto chart, the columns of the Runs tree.
 */
export const METRICS = ['accuracy', 'flops', 'params', 'latency'] as const;
export type Metric = (typeof METRICS)[number];

export const isMetric = (x: unknown): x is Metric =>
  typeof x === 'string' && (METRICS as readonly string[]).includes(x);

export type Direction = 'max' | 'min';

/** One objective of a search: a metric and whether more or less is better. */
export interface Objective {
  name: Metric;
  direction: Direction;
}

/** Accuracy is better high; FLOPs, parameters and latency are costs. */
export const naturalDirection = (m: Metric): Direction => (m === 'accuracy' ? 'max' : 'min');
