import type { Arch } from '#shared/arch';
import {
  accuracyKindLabel,
  bestTrained,
  subnetAccuracies,
  type LabelledAccuracy,
} from '#shared/accuracyKinds';
import type { Metric } from '#shared/metrics';
import type {
  Candidate,
  CandidateFigures,
  FinetuneResult,
  StandaloneRecord,
} from '#shared/runFolder/records';
import type { RunSummary } from '#shared/runFolder/runSummary';
import { formatAccuracy, formatLatency, formatMacs, formatParams } from '#shared/format/units';
import type { RunOverlay } from '../runs/runOverlay';

/**
 * What the Runs tree shows, computed from the run folder's text: which subnets, in what
 * order, with what labels. Pure (no `vscode`, no file system) so it is tested on real
 * file contents without an editor.
 */

/**
 * A subnet as a tree node shows it: a candidate's figures (`accuracy` is the inherited one,
 * which every evaluated subnet has and the order goes by), whether it is on the front, and
 * every accuracy the run has for it, labelled (inherited, stand-alone, fine-tuned).
 */
export type SubnetRow = CandidateFigures & {
  arch?: Arch;
  onFront: boolean;
  accuracies?: LabelledAccuracy[];
  /** The subnet's completed fine-tune of these weights. */
  finetune?: FinetuneResult;
};

/** What else the run folder knows of its subnets: fine-tunes and stand-alone trainings. */
export interface TrainedFigures {
  finetunes?: readonly FinetuneResult[];
  standalone?: readonly StandaloneRecord[];
}

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
  trained: TrainedFigures = {},
): { front: SubnetRow[]; all: SubnetRow[] } {
  const byKey = new Map(candidates.map((c) => [c.key, c]));
  const onFront = new Set(front.map((f) => f.key));
  // A fine-tune counts for the weights it started from: those the candidate was evaluated on.
  const finetunes = new Map(
    (trained.finetunes ?? [])
      .filter((f) => {
        const c = byKey.get(f.key);
        return !c || c.checkpointStep < 0 || c.checkpointStep === f.sourceStep;
      })
      .map((f) => [f.key, f]),
  );
  const labelled = (row: SubnetRow): SubnetRow => {
    const finetune = finetunes.get(row.key);
    const accuracies = subnetAccuracies({
      key: row.key,
      inherited: row.accuracy,
      ...(finetune ? { finetune } : {}),
      standalone: trained.standalone ?? [],
    });
    return { ...row, accuracies, ...(finetune ? { finetune } : {}) };
  };
  return {
    front: front.map((f) => {
      const c = byKey.get(f.key);
      const worker = f.worker ?? c?.worker;
      return labelled(
        rowOf({ ...f, arch: f.arch ?? c?.arch, ...(worker ? { worker } : {}) }, true),
      );
    }),
    all: candidates.map((c) => labelled(rowOf(c, onFront.has(c.key)))),
  };
}

/** The figure a subnet shows: its best-trained accuracy, with its kind. */
export function shownAccuracy(r: SubnetRow): LabelledAccuracy {
  return bestTrained(r.accuracies ?? []) ?? { kind: 'inherited', accuracy: r.accuracy };
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

/**
 * `inherited 86.6% · 312k MACs · 41.2k params · 0.12 ms` (latency only when measured); a
 * fine-tuned subnet shows `fine-tuned 1 ep 88.1%`, a subnet trained alone by a ranking check
 * `stand-alone 1 ep 87.0%`: the best-trained figure it has.
 */
export function subnetLabel(r: SubnetRow): string {
  const shown = shownAccuracy(r);
  const parts = [
    `${accuracyKindLabel(shown)} ${formatAccuracy(shown.accuracy)}`,
    formatMacs(r.flops),
    formatParams(r.params),
  ];
  if (r.latency !== undefined) parts.push(formatLatency(r.latency));
  return parts.join(' · ');
}

export function subnetTooltip(r: SubnetRow): string {
  const accuracies = r.accuracies?.length
    ? r.accuracies
    : [{ kind: 'inherited' as const, accuracy: r.accuracy }];
  const lines = [
    r.key,
    ...accuracies.map((a) => `${accuracyKindLabel(a)} accuracy ${formatAccuracy(a.accuracy)}`),
    formatMacs(r.flops),
    `${formatParams(r.params)}`,
    `latency ${r.latency === undefined ? 'not measured' : formatLatency(r.latency)}`,
  ];
  if (r.onFront) lines.push('on the Pareto front');
  if (r.feasible === false) lines.push('violates a constraint');
  if (r.worker) lines.push(`evaluated by worker ${r.worker}`);
  if (r.finetune)
    lines.push(
      `fine-tuned ${r.finetune.epochs} epoch(s) in ${Math.round(r.finetune.seconds)} s` +
        `${r.finetune.teacher ? `, distilled from ${r.finetune.teacher}` : ''}`,
    );
  return lines.join('\n');
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
