/**
 * The figures a subnet is measured by: the objectives and constraints of a search, the
 * axes of the Pareto chart, the columns of the Runs tree.
 */
import { obj, oneOf, type Infer } from './schema/dsl';

export const METRICS = ['accuracy', 'flops', 'params', 'latency'] as const;
export type Metric = (typeof METRICS)[number];

export const isMetric = (x: unknown): x is Metric =>
  typeof x === 'string' && (METRICS as readonly string[]).includes(x);

/**
 * The metric a config's name stands for: `macs` names multiply-accumulates, which the
 * engine and the run folder's files call `flops` (the older name, which configs still
 * accept: the language server offers the rename).
 */
export const metricOfName = (name: string): Metric | undefined =>
  name === 'macs' ? 'flops' : isMetric(name) ? name : undefined;

export type Direction = 'max' | 'min';

/** One objective of a search: a metric and whether more or less is better. */
export const objectiveSchema = obj('An objective of a search.', {
  name: oneOf('The metric.', {
    accuracy: 'Inherited accuracy.',
    flops: 'MACs of one image.',
    params: 'Parameters.',
    latency: 'Median ms of one image.',
  } satisfies Record<Metric, string>),
  direction: oneOf('Whether more or less is better.', {
    max: 'More is better.',
    min: 'Less is better.',
  } satisfies Record<Direction, string>),
});
export type Objective = Infer<typeof objectiveSchema>;

/** Accuracy is better high; FLOPs, parameters and latency are costs. */
export const naturalDirection = (m: Metric): Direction => (m === 'accuracy' ? 'max' : 'min');
