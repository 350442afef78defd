import { baseMetric, deviceOf, type MetricName } from '#shared/metrics';
import { formatCount } from '#shared/format/numbers';

/** Short numbers for axes and the tooltip. */

export const formatLoss = (v: number): string =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3);

/** Axis ticks of a loss: as few digits as the tick needs (2, 0.5, 0.25). */
export const formatLossTick = (v: number): string => String(Number(v.toPrecision(3)));

export const formatSci = (v: number): string =>
  v === 0 ? '0' : Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? v.toPrecision(3) : v.toExponential(1);

export const formatPercent = (v: number): string => `${(100 * v).toFixed(1)}%`;

export function formatMetric(metric: MetricName, v: number): string {
  switch (baseMetric(metric)) {
    case 'accuracy':
      return formatPercent(v);
    case 'flops':
      return `${formatCount(v)} MACs`;
    case 'params':
      return formatCount(v);
    case 'latency':
      return `${v >= 10 ? v.toFixed(1) : v.toFixed(2)} ms`;
  }
}

/** Axis ticks: units in the axis label, so the ticks stay short. */
export function formatMetricTick(metric: MetricName, v: number): string {
  return metric === 'accuracy'
    ? formatPercent(v)
    : baseMetric(metric) === 'latency'
      ? v.toPrecision(3)
      : formatCount(v);
}

const LABELS = {
  accuracy: 'Accuracy',
  flops: 'MACs',
  params: 'Parameters',
  latency: 'Latency (ms)',
};

/** An axis's name: a device's latency names the device (`Latency on pi5 (ms)`). */
export function metricLabel(m: MetricName): string {
  const device = deviceOf(m);
  return device !== undefined ? `Latency on ${device} (ms)` : LABELS[m as keyof typeof LABELS];
}
