import type { Arch } from '#shared/arch';
import type { Metric } from '#shared/metrics';
import type { Candidate, CandidateFigures } from '#shared/runFolder/records';
import type { RunSummary } from '#shared/runFolder/summarise';
import { formatAccuracy, formatLatency, formatMacs, formatParams } from '#shared/format/units';

/**
 * What the Runs tree shows, computed from the run folder's text: which subnets, in what
 * order, with what labels. Pure (no `vscode`, no file system) so it is tested on real
 * file contents without an editor.
 */

/** A subnet as a tree node shows it: a candidate's figures, whether it is on the front. */
export type SubnetRow = CandidateFigures & { arch?: Arch; onFront: boolean };

const rowOf = (c: CandidateFigures & { arch?: Arch }, onFront: boolean): SubnetRow => {
  const row: SubnetRow = {
    key: c.key,
    accuracy: c.accuracy,
    flops: c.flops,
    params: c.params,
    onFront,
  };
  if (c.latency !== undefined) row.latency = c.latency;
  if (c.feasible !== undefined) row.feasible = c.feasible;
  if (c.arch !== undefined) row.arch = c.arch;
  if (c.worker !== undefined) row.worker = c.worker;
  return row;
};

/**
 * The tree's subnets of a run: the front of pareto.json (each with its arch, from
 * candidates.jsonl when the front lacks it) and every candidate, the front's marked.
 */
export function subnetRows(
  candidates: readonly Candidate[],
  front: readonly (CandidateFigures & { arch?: Arch })[],
): { front: SubnetRow[]; all: SubnetRow[] } {
  const byKey = new Map(candidates.map((c) => [c.key, c]));
  const onFront = new Set(front.map((f) => f.key));
  return {
    front: front.map((f) => {
      const c = byKey.get(f.key);
      const worker = f.worker ?? c?.worker;
      return rowOf({ ...f, arch: f.arch ?? c?.arch, ...(worker ? { worker } : {}) }, true);
    }),
    all: candidates.map((c) => rowOf(c, onFront.has(c.key))),
  };
}

/**
 * Best first by the chosen objective: highest accuracy, fewest FLOPs/params, lowest
 * latency. Subnets without the figure (unmeasured latency) go last; ties go to the more
 * accurate, then to the key so the order is stable across refreshes.
 */
export function sortSubnets(rows: readonly SubnetRow[], by: Metric): SubnetRow[] {
  const value = (r: SubnetRow): number | undefined => (by === 'accuracy' ? -r.accuracy : r[by]);
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === undefined || vb === undefined) {
      if (va !== vb) return va === undefined ? 1 : -1;
    } else if (va !== vb) return va - vb;
    if (a.accuracy !== b.accuracy) return b.accuracy - a.accuracy;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}

/** `86.6% · 312k MACs · 41.2k params · 0.12 ms` (latency only when measured). */
export function subnetLabel(r: SubnetRow): string {
  const parts = [formatAccuracy(r.accuracy), formatMacs(r.flops), formatParams(r.params)];
  if (r.latency !== undefined) parts.push(formatLatency(r.latency));
  return parts.join(' · ');
}

export function subnetTooltip(r: SubnetRow): string {
  const lines = [
    r.key,
    `accuracy ${formatAccuracy(r.accuracy)}`,
    `FLOPs ${formatMacs(r.flops)}`,
    `${formatParams(r.params)}`,
    `latency ${r.latency === undefined ? 'not measured' : formatLatency(r.latency)}`,
  ];
  if (r.onFront) lines.push('on the Pareto front');
  if (r.feasible === false) lines.push('violates a constraint');
  if (r.worker) lines.push(`evaluated by worker ${r.worker}`);
  return lines.join('\n');
}

/** What this session knows about a run beyond its folder: a job of ours running or ended. */
export interface RunOverlay {
  status?: RunSummary['status'];
  /** A training job's live position: the same numbers the status bar shows. */
  step?: number;
  totalSteps?: number;
  /** A short note on the last search or export job, e.g. `searching…`, `search failed`. */
  note?: string;
}

export function effectiveStatus(run: RunSummary, overlay?: RunOverlay): RunSummary['status'] {
  return overlay?.status ?? run.status;
}

/** `completed · wasm · 86.6%`, with a running run's step and this session's note. */
export function runDescription(run: RunSummary, overlay?: RunOverlay): string {
  const status = effectiveStatus(run, overlay);
  const parts: string[] = [status];
  const step = overlay?.step ?? run.step;
  const total = overlay?.totalSteps ?? run.totalSteps;
  if (status === 'running' && step !== undefined && total) parts[0] = `running ${step}/${total}`;
  if (run.backend) parts.push(run.backend);
  if (run.bestAccuracy !== undefined) parts.push(formatAccuracy(run.bestAccuracy));
  if (overlay?.note) parts.push(overlay.note);
  return parts.join(' · ');
}

/** Codicon id and theme colour id per status. */
export function runIcon(status: RunSummary['status']): { icon: string; color?: string } {
  switch (status) {
    case 'running':
      return { icon: 'sync~spin' };
    case 'completed':
      return { icon: 'pass', color: 'testing.iconPassed' };
    case 'cancelled':
      return { icon: 'debug-pause', color: 'testing.iconSkipped' };
    case 'failed':
      return { icon: 'error', color: 'testing.iconFailed' };
    case 'interrupted':
      return { icon: 'debug-disconnect', color: 'testing.iconQueued' };
    default:
      return { icon: 'question' };
  }
}

/** Runs that `Resume` can continue: stopped, failed or interrupted before the end. */
export const resumableRuns = (runs: readonly RunSummary[]): RunSummary[] =>
  runs.filter(
    (r) => r.status === 'cancelled' || r.status === 'failed' || r.status === 'interrupted',
  );
