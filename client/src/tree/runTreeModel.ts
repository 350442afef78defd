import type { RunSummary } from '../../../server/src/protocol/lsp';
import { formatAccuracy, formatLatency, formatMacs, formatParams } from '../format/units';

/**
 * What the Runs tree shows, computed from the run folder's text: which subnets, in what
 * order, with what labels. Pure (no `vscode`, no file system) so it is tested on real
 * file contents without an editor.
 */

export type Objective = 'accuracy' | 'flops' | 'params' | 'latency';
export const OBJECTIVES: readonly Objective[] = ['accuracy', 'flops', 'params', 'latency'];

export const isObjective = (x: unknown): x is Objective =>
  typeof x === 'string' && (OBJECTIVES as readonly string[]).includes(x);

/** A subnet as a tree node shows it: a line of candidates.jsonl or an entry of pareto.json. */
export interface SubnetRow {
  key: string;
  accuracy: number;
  flops: number;
  params: number;
  latency?: number;
  /** Known for front entries; candidates.jsonl does not record it. */
  feasible?: boolean;
  /** The arch exactly as the engine recorded it, when the record has one. */
  arch?: unknown;
  onFront: boolean;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

function rowOf(x: unknown, onFront: boolean): SubnetRow | undefined {
  if (!isObj(x) || typeof x.key !== 'string' || !x.key) return undefined;
  if (!isNum(x.accuracy) || !isNum(x.flops) || !isNum(x.params)) return undefined;
  const row: SubnetRow = {
    key: x.key,
    accuracy: x.accuracy,
    flops: x.flops,
    params: x.params,
    onFront,
  };
  if (isNum(x.latency)) row.latency = x.latency;
  if (typeof x.feasible === 'boolean') row.feasible = x.feasible;
  if (x.arch !== undefined) row.arch = x.arch;
  return row;
}

export interface ParsedCandidates {
  rows: SubnetRow[];
  /** Lines that were not a candidate: a torn last line of a killed search, or garbage. */
  skipped: number;
}

/**
 * candidates.jsonl, one subnet a line. A key seen twice keeps its last line, as the
 * engine's store does: a resumed search re-evaluates on newer weights.
 */
export function parseCandidates(text: string): ParsedCandidates {
  const byKey = new Map<string, SubnetRow>();
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let row: SubnetRow | undefined;
    try {
      row = rowOf(JSON.parse(line), false);
    } catch {
      row = undefined;
    }
    if (row) byKey.set(row.key, row);
    else skipped++;
  }
  return { rows: [...byKey.values()], skipped };
}

/** The `front` of pareto.json; undefined when the file is not a front (mid-write, other tool). */
export function parsePareto(text: string): SubnetRow[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(json) || !Array.isArray(json.front)) return undefined;
  return json.front.flatMap((x) => rowOf(x, true) ?? []);
}

/** Marks the candidates that are on the front, so the full list can show them apart. */
export function markFront(rows: SubnetRow[], front: readonly SubnetRow[]): SubnetRow[] {
  const keys = new Set(front.map((r) => r.key));
  return rows.map((r) => ({ ...r, onFront: keys.has(r.key) }));
}

/** A front entry lacks `arch` when pareto.json was trimmed; candidates.jsonl has it. */
export function withArchFrom(front: SubnetRow[], candidates: readonly SubnetRow[]): SubnetRow[] {
  const byKey = new Map(candidates.map((c) => [c.key, c]));
  return front.map((r) =>
    r.arch === undefined && byKey.get(r.key)?.arch !== undefined
      ? { ...r, arch: byKey.get(r.key)?.arch }
      : r,
  );
}

/**
 * Best first by the chosen objective: highest accuracy, fewest FLOPs/params, lowest
 * latency. Subnets without the figure (unmeasured latency) go last; ties go to the more
 * accurate, then to the key so the order is stable across refreshes.
 */
export function sortSubnets(rows: readonly SubnetRow[], by: Objective): SubnetRow[] {
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
  return lines.join('\n');
}

/** What this session knows about a run beyond its folder: a job of ours running or ended. */
export interface RunOverlay {
  status?: RunSummary['status'];
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
  if (status === 'running' && run.step !== undefined && run.totalSteps)
    parts[0] = `running ${run.step}/${run.totalSteps}`;
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
    default:
      return { icon: 'question' };
  }
}

/** Runs that `Resume` can continue: stopped before the end. */
export const resumableRuns = (runs: readonly RunSummary[]): RunSummary[] =>
  runs.filter((r) => r.status === 'cancelled' || r.status === 'failed');

/** Newest first: run ids start with their creation time, which breaks ties in `created`. */
export function sortRuns(runs: readonly RunSummary[]): RunSummary[] {
  const stamp = (r: RunSummary): string => r.created ?? '';
  return [...runs].sort((a, b) =>
    stamp(a) !== stamp(b) ? (stamp(a) < stamp(b) ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0,
  );
}

/**
 * A run as its folder describes it, for when the language server cannot answer
 * `supernet/runs` (still starting, or an older server). `runJson` is run.json's text.
 */
export function summaryFromFolder(
  dir: string,
  id: string,
  runJson: string | undefined,
  candidatesText: string | undefined,
  hasPareto: boolean,
): RunSummary {
  let meta: Record<string, unknown> = {};
  try {
    const json: unknown = runJson === undefined ? {} : JSON.parse(runJson);
    if (isObj(json)) meta = json;
  } catch {
    // A run.json being replaced right now: the summary says `unknown` until the next refresh.
  }
  const statuses: RunSummary['status'][] = ['running', 'completed', 'cancelled', 'failed'];
  const status = statuses.find((s) => s === meta.status) ?? 'unknown';
  const summary: RunSummary = {
    id,
    dir,
    configPath: typeof meta.configPath === 'string' ? meta.configPath : '',
    status,
    candidates: candidatesText === undefined ? 0 : parseCandidates(candidatesText).rows.length,
    hasPareto,
  };
  if (typeof meta.backend === 'string') summary.backend = meta.backend;
  if (isNum(meta.step)) summary.step = meta.step;
  if (isNum(meta.totalSteps)) summary.totalSteps = meta.totalSteps;
  if (typeof meta.created === 'string') summary.created = meta.created;
  return summary;
}
