/**
 * The figures a subnet is measured by: the objectives and constraints of a search, the
 * axes of the Pareto chart, the columns of the Runs tree.
 */
import { obj, oneOf, str, type Infer } from './schema/dsl';

export const METRICS = ['accuracy', 'flops', 'params', 'latency'] as const;
export type Metric = (typeof METRICS)[number];

/**
 * Latency on a named device (`latency@pi5`): timed by the device's own worker, or predicted
 * from its latency table (`.supernet/devices/NAME.json`). Plain `latency` is this machine's.
 */
export type DeviceMetric = `latency@${string}`;
/** A metric a search, a chart or a constraint may name. */
export type MetricName = Metric | DeviceMetric;

/** What a device may be called: a file name and a Redis key part alike. */
export const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const DEVICE_PREFIX = 'latency@';

export const isMetric = (x: unknown): x is Metric =>
  typeof x === 'string' && (METRICS as readonly string[]).includes(x);

export const isMetricName = (x: unknown): x is MetricName =>
  isMetric(x) || (typeof x === 'string' && deviceOf(x) !== undefined);

/** The device a metric names (`latency@pi5` → `pi5`), undefined for the host's metrics. */
export function deviceOf(name: string): string | undefined {
  if (!name.startsWith(DEVICE_PREFIX)) return undefined;
  const device = name.slice(DEVICE_PREFIX.length);
  return DEVICE_NAME.test(device) ? device : undefined;
}

export const deviceMetric = (device: string): DeviceMetric => `${DEVICE_PREFIX}${device}`;

/**
 * The metric a config's name stands for: `macs` names multiply-accumulates, which the
 * engine and the run folder's files call `flops` (the older name, which configs still
 * accept: the language server offers the rename); `latency@NAME` a device's latency.
 */
export const metricOfName = (name: string): MetricName | undefined =>
  name === 'macs' ? 'flops' : isMetricName(name) ? name : undefined;

/** The metric a figure of this kind is: a device's latency is a latency. */
export const baseMetric = (m: MetricName): Metric => (deviceOf(m) ? 'latency' : (m as Metric));

export type Direction = 'max' | 'min';

/** One objective of a search: a metric and whether more or less is better. */
export const objectiveSchema = obj('An objective of a search.', {
  name: str(
    'The metric: accuracy (inherited), flops (MACs of one image), params, latency (median ms of one image on this machine) or latency@DEVICE (on a named device).',
    { pattern: /^(accuracy|flops|params|latency|latency@[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/ },
  ),
  direction: oneOf('Whether more or less is better.', {
    max: 'More is better.',
    min: 'Less is better.',
  } satisfies Record<Direction, string>),
});
/** An objective as the engine, the files and the chart carry it. */
export type Objective = Omit<Infer<typeof objectiveSchema>, 'name'> & { name: MetricName };

/** Accuracy is better high; FLOPs, parameters and latency are costs. */
export const naturalDirection = (m: MetricName): Direction => (m === 'accuracy' ? 'max' : 'min');

/** How a metric is named to people: `latency on pi5` for a device's. */
export const metricLabel = (m: MetricName): string => {
  const device = deviceOf(m);
  return device ? `latency on ${device}` : m === 'flops' ? 'MACs' : m;
};

/** The figures a subnet carries: analytic counts, accuracy, and measured latencies. */
export interface Figures {
  accuracy: number;
  flops: number;
  params: number;
  latency?: number;
  deviceLatency?: Record<string, { ms: number }>;
}

/** A subnet's value of a metric; undefined when it was not measured (a device's latency). */
export function figureOf(f: Figures, m: MetricName): number | undefined {
  const device = deviceOf(m);
  return device !== undefined ? f.deviceLatency?.[device]?.ms : f[m as Metric];
}
