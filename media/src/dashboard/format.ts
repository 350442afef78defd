import type { Metric } from '#shared/metrics';
import { formatCount } from '#shared/format/numbers';

/** Short numbers for axes and the tooltip. */

export const formatLoss = (v: number): string =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3);

/** Axis ticks of a loss: as few digits as the tick needs (2, 0.5, 0.25). */
export const formatLossTick = (v: number): string => String(Number(v.toPrecision(3)));

export const formatSci = (v: number): string =>
  v === 0 ? '0' : Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? v.toPrecision(3) : v.toExponential(1);

export const formatPercent = (v: number): string => `${(100 * v).toFixed(1)}%`;

export function formatMetric(metric: Metric, v: number): string {
  switch (metric) {
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
export function formatMetricTick(metric: Metric, v: number): string {
  return metric === 'accuracy'
    ? formatPercent(v)
    : metric === 'latency'
      ? v.toPrecision(3)
      : formatCount(v);
}

export const METRIC_LABEL: Record<Metric, string> = {
  accuracy: 'Accuracy',
  flops: 'MACs',
  params: 'Parameters',
  latency: 'Latency (ms)',
};
