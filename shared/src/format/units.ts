import { formatCount } from './numbers';

/** Human units for the tree, the status bar and messages. Pure: no `vscode`. */

/** A fraction in [0, 1] as a percentage: 0.8663 → `86.6%`. */
export function formatAccuracy(fraction: number): string {
  return `${(100 * fraction).toFixed(1)}%`;
}

/** Multiply-accumulates, which is what the engine counts as FLOPs: 312000 → `312k MACs`. */
export const formatMacs = (n: number): string => `${formatCount(n)} MACs`;

export const formatParams = (n: number): string => `${formatCount(n)} params`;

/** Milliseconds with about three significant digits: 0.1234 → `0.12 ms`, 12.34 → `12.3 ms`. */
export function formatLatency(ms: number): string {
  const digits = ms >= 100 ? 0 : ms >= 10 ? 1 : 2;
  return `${ms.toFixed(digits)} ms`;
}

/** A duration for an ETA: `45s`, `3m 05s`, `2h 07m`; `–` when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** A rate without false precision: 812.4 → `812`, 3.456 → `3.5`, 0.42 → `0.42`. */
export function formatRate(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toFixed(2);
}
