import type { EngineEvent } from '../protocol/engine';
import type { EventParams, JobExit, JobKind } from '../protocol/lsp';
import { fleetOf, type FleetState } from '../charts/chartModel';
import { rankingFiguresOf, rankingSummary, rankingWarning, type RankingFigures } from '../ranking';
import { steadyEta } from '../format/eta';
import { formatAccuracy, formatDuration, formatLatency, formatRate } from '../format/units';
import { accuracyKindLabel } from '../accuracyKinds';
import type { FinetuneResult } from '../runFolder/records';

/**
 * The state of one job as the status bar and the progress notification show it,
 * folded from its `supernet/event` notifications. Pure: no `vscode`, no clock (the
 * events carry their time), so ETA and labels are tested with plain objects.
 */
export interface JobProgress {
  jobId: string;
  kind: JobKind;
  /** What the job works on, for titles: a config's file name or a run id. */
  title: string;
  runId?: string;
  runDir?: string;
  backend?: string;
  step?: number;
  totalSteps?: number;
  stepsPerEpoch?: number;
  batchSize?: number;
  epoch?: number;
  imagesPerSec?: number;
  /** The last step's cross-entropy of its first (largest) subnet. */
  loss?: number;
  lastAccuracy?: { largest: number; smallest: number };
  /** The first step this job reported and when: a resumed run's earlier steps do not count in its rate. */
  rateFrom?: { step: number; time: number };
  lastTime?: number;
  generation?: number;
  evaluations?: number;
  budget?: number;
  hypervolume?: number;
  evaluationsPerSec?: number;
  /** The first generation this search reported and when: its ETA counts from there, past the warm-up. */
  evaluationsFrom?: { done: number; time: number };
  frontSize?: number;
  exported?: {
    key: string;
    file: string;
    latencyMs: number;
    maxAbsDiff: number;
    /** An int8 export: validation accuracy lost to int8, in percentage points. */
    int8DropPoints?: number;
  };
  /**
   * A ranking check: the subnet being trained alone (1-based), of how many, its steps, the
   * subnets done and how many epochs each trains alone.
   */
  rank?: {
    subnet: number;
    subnets: number;
    step: number;
    steps: number;
    done: number;
    epochs?: number;
  };
  kendallTau?: number;
  /** A completed ranking check's figures, with the FLOPs baseline and τ's interval. */
  ranking?: RankingFigures;
  /** A search or ranking on a worker fleet: the queue as last reported. */
  fleet?: FleetState;
  /** A fine-tune: its subnet, length, inherited accuracy and, once done, its result. */
  finetune?: {
    key: string;
    step: number;
    totalSteps: number;
    stepsPerEpoch: number;
    epochs: number;
    inherited: number;
    /** The last epoch's fine-tuned accuracy. */
    accuracy?: number;
    result?: FinetuneResult;
  };
  /** How the run or search said it ended, before the process exit arrives. */
  endStatus?: 'completed' | 'cancelled' | 'failed';
  endMessage?: string;
  exit?: JobExit;
}

export const newJob = (jobId: string, kind: JobKind, title: string): JobProgress => ({
  jobId,
  kind,
  title,
});

/** Folds one notification of this job into its state; returns a new object. */
export function applyEvent(p: JobProgress, n: EventParams): JobProgress {
  const next: JobProgress = { ...p };
  if (n.runId) next.runId = n.runId;
  if (n.exit) next.exit = n.exit;
  const e = n.event;
  if (!e) return next;
  switch (e.type) {
    case 'run-start':
      next.runId = e.runId;
      next.runDir = e.runDir;
      next.backend = e.backend;
      next.totalSteps = e.totalSteps;
      next.stepsPerEpoch = e.stepsPerEpoch;
      next.batchSize = e.batchSize;
      if (e.resumedFromStep !== undefined) next.step = e.resumedFromStep;
      break;
    case 'step':
      next.step = e.step;
      next.epoch = e.epoch;
      next.imagesPerSec = e.imagesPerSec;
      if (e.losses.length) next.loss = e.losses[0].loss;
      next.lastTime = e.time;
      next.rateFrom ??= { step: e.step, time: e.time };
      break;
    case 'epoch':
      next.lastAccuracy = { largest: e.largest.accuracy, smallest: e.smallest.accuracy };
      break;
    case 'run-end':
      next.step = e.step;
      next.endStatus = e.status;
      if (e.message) next.endMessage = e.message;
      break;
    case 'search-start':
    case 'candidate':
    case 'generation':
    case 'search-end':
      applySearchEvent(next, e);
      break;
    case 'export':
      next.exported = {
        key: e.key,
        file: e.file,
        latencyMs: e.latencyMs,
        maxAbsDiff: e.maxAbsDiff,
        ...(e.int8 ? { int8DropPoints: e.int8.accuracyDropPoints } : {}),
      };
      break;
    case 'rank-start':
      next.runId = e.runId;
      next.rank = { subnet: 0, subnets: e.subnets, step: 0, steps: 0, done: 0, epochs: e.epochs };
      next.lastTime = e.time;
      break;
    case 'rank-progress':
      next.rank = {
        subnet: e.subnet,
        subnets: e.subnets,
        step: e.step,
        steps: e.steps,
        done: next.rank?.done ?? 0,
        ...(next.rank?.epochs !== undefined ? { epochs: next.rank.epochs } : {}),
      };
      next.lastTime = e.time;
      break;
    case 'ranked':
      if (next.rank) next.rank = { ...next.rank, done: next.rank.done + 1 };
      break;
    case 'executor':
      next.fleet = fleetOf(e);
      break;
    case 'finetune-start':
    case 'finetune-step':
    case 'finetune-epoch':
    case 'finetune-end':
      applyFinetuneEvent(next, e);
      break;
    case 'rank-end':
      next.endStatus = e.status;
      if (e.kendallTau !== undefined) next.kendallTau = e.kendallTau;
      if (rankingFiguresOf(e)) next.ranking = rankingFiguresOf(e);
      if (e.message) next.endMessage = e.message;
      break;
    default:
      break;
  }
  return next;
}

/** A search's events, folded into `next` in place. */
function applySearchEvent(
  next: JobProgress,
  e: Extract<EngineEvent, { type: 'search-start' | 'candidate' | 'generation' | 'search-end' }>,
): void {
  switch (e.type) {
    case 'search-start':
      next.runId = e.runId;
      next.budget = e.budget;
      // `cached` counts subnets already in candidates.jsonl (it may exceed the budget);
      // this search's count of evaluations starts at 0 and comes with each generation.
      next.evaluations = 0;
      next.lastTime = e.time;
      break;
    case 'candidate':
      // Between generations the count moves with each new evaluation; each generation
      // then says the true count.
      if (!e.cached && next.evaluations !== undefined) next.evaluations++;
      next.lastTime = e.time;
      break;
    case 'generation':
      next.generation = e.generation;
      next.evaluations = e.evaluations;
      next.hypervolume = e.hypervolume;
      next.evaluationsPerSec = e.evaluationsPerSec;
      next.evaluationsFrom ??= { done: e.evaluations, time: e.time };
      next.frontSize = e.front.length;
      next.lastTime = e.time;
      break;
    case 'search-end':
      next.evaluations = e.evaluations;
      next.hypervolume = e.hypervolume;
      next.frontSize = e.front.length;
      next.endStatus = e.status;
      if (e.message) next.endMessage = e.message;
      break;
  }
}

/** A fine-tune's events, folded into `next` in place. */
function applyFinetuneEvent(
  next: JobProgress,
  e: Extract<EngineEvent, { type: `finetune-${string}` }>,
): void {
  switch (e.type) {
    case 'finetune-start':
      next.runId = e.runId;
      next.backend = e.backend;
      next.finetune = {
        key: e.key,
        step: e.resumedFromStep ?? 0,
        totalSteps: e.totalSteps,
        stepsPerEpoch: e.stepsPerEpoch,
        epochs: e.epochs,
        inherited: e.inherited.accuracy,
      };
      next.lastTime = e.time;
      break;
    case 'finetune-step':
      if (next.finetune) next.finetune = { ...next.finetune, step: e.step };
      next.rateFrom ??= { step: e.step, time: e.time };
      next.lastTime = e.time;
      break;
    case 'finetune-epoch':
      if (next.finetune) next.finetune = { ...next.finetune, accuracy: e.accuracy };
      break;
    case 'finetune-end':
      next.endStatus = e.status;
      if (e.result && next.finetune) next.finetune = { ...next.finetune, result: e.result };
      if (e.message) next.endMessage = e.message;
      break;
  }
}

/** `1 subnet`, `3 subnets`. */
export const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Steps per second measured over this job's own steps, else from the reported throughput. */
function stepsPerSec(p: JobProgress): number | undefined {
  if (p.rateFrom && p.step !== undefined && p.lastTime !== undefined) {
    const steps = p.step - p.rateFrom.step;
    const secs = (p.lastTime - p.rateFrom.time) / 1000;
    if (steps > 0 && secs > 0) return steps / secs;
  }
  if (p.imagesPerSec && p.batchSize) return p.imagesPerSec / p.batchSize;
  return undefined;
}

/** Seconds left, when there is a rate to go on; undefined otherwise. */
export function etaSeconds(p: JobProgress): number | undefined {
  if (p.kind === 'train') {
    const rate = stepsPerSec(p);
    if (!rate || p.step === undefined || !p.totalSteps) return undefined;
    return Math.max(0, p.totalSteps - p.step) / rate;
  }
  if (p.kind === 'search') {
    if (p.evaluations === undefined || p.lastTime === undefined || !p.budget) return undefined;
    return steadyEta(p.evaluationsFrom, { done: p.evaluations, time: p.lastTime }, p.budget);
  }
  if (p.kind === 'finetune' && p.finetune && p.lastTime !== undefined) {
    const first = p.rateFrom && { done: p.rateFrom.step, time: p.rateFrom.time };
    return steadyEta(first, { done: p.finetune.step, time: p.lastTime }, p.finetune.totalSteps);
  }
  return undefined;
}

/** Share of the job done in [0, 1]; undefined when the job has not said how long it is. */
export function fractionDone(p: JobProgress): number | undefined {
  const f =
    p.kind === 'train' && p.totalSteps && p.step !== undefined
      ? p.step / p.totalSteps
      : p.kind === 'search' && p.budget && p.evaluations !== undefined
        ? p.evaluations / p.budget
        : p.kind === 'rank' && p.rank?.subnets
          ? (p.rank.done + (p.rank.steps ? p.rank.step / p.rank.steps : 0)) / p.rank.subnets
          : p.kind === 'finetune' && p.finetune?.totalSteps
            ? p.finetune.step / p.finetune.totalSteps
            : undefined;
  return f === undefined ? undefined : Math.min(1, Math.max(0, f));
}

/** `3/4 workers busy`, or what is wrong with the queue when no worker can take jobs. */
function fleetPart(f: FleetState): string {
  if (f.workers.length === 0) return f.message ? 'no worker' : 'waiting for workers';
  const busy = f.workers.filter((w) => w.state === 'busy').length;
  return `${busy}/${plural(f.workers.length, 'worker')} busy`;
}

/** `epoch 1.3/3 · step 340/1000 · 812 img/s · ETA 3m 05s`; `gen 4 · 120/400 evals · HV 0.4123 · ETA 1m 10s`. */
export function progressMessage(p: JobProgress): string {
  const eta = etaSeconds(p);
  const withEta = (parts: string[]): string =>
    [...parts, `ETA ${eta === undefined ? 'estimating…' : formatDuration(eta)}`].join(' · ');
  if (p.kind === 'train') {
    if (p.step === undefined || p.totalSteps === undefined) return `starting ${p.title}…`;
    const parts: string[] = [];
    if (p.epoch !== undefined) {
      const epochs = p.stepsPerEpoch ? Math.ceil(p.totalSteps / p.stepsPerEpoch) : undefined;
      parts.push(`epoch ${p.epoch.toFixed(1)}${epochs ? `/${epochs}` : ''}`);
    }
    parts.push(`step ${p.step}/${p.totalSteps}`);
    if (p.loss !== undefined && Number.isFinite(p.loss)) parts.push(`loss ${p.loss.toFixed(3)}`);
    if (p.imagesPerSec !== undefined) parts.push(`${formatRate(p.imagesPerSec)} img/s`);
    return withEta(parts);
  }
  if (p.kind === 'search') {
    if (p.budget === undefined) return `starting a search of ${p.title}…`;
    const parts: string[] = [];
    if (p.generation !== undefined) parts.push(`gen ${p.generation}`);
    parts.push(`${p.evaluations ?? 0}/${p.budget} evals`);
    if (p.hypervolume !== undefined) parts.push(`HV ${p.hypervolume.toPrecision(4)}`);
    if (p.fleet) parts.push(fleetPart(p.fleet));
    return withEta(parts);
  }
  if (p.kind === 'rank') {
    if (!p.rank) return `starting a ranking check of ${p.title}…`;
    if (p.fleet)
      return `ranking check: ${p.rank.done}/${p.rank.subnets} trained alone · ${fleetPart(p.fleet)}`;
    if (!p.rank.subnet) return `ranking check: ${plural(p.rank.subnets, 'subnet')} to train alone`;
    return `training subnet ${p.rank.subnet}/${p.rank.subnets} alone · step ${p.rank.step}/${p.rank.steps}`;
  }
  if (p.kind === 'finetune') {
    const f = p.finetune;
    if (!f) return `starting a fine-tune of ${p.title}…`;
    const parts = [
      `epoch ${(f.step / f.stepsPerEpoch).toFixed(2)}/${f.epochs}`,
      `step ${f.step}/${f.totalSteps}`,
      `inherited ${formatAccuracy(f.inherited)}`,
    ];
    if (f.accuracy !== undefined) parts.push(`fine-tuned ${formatAccuracy(f.accuracy)}`);
    return withEta(parts);
  }
  if (p.kind === 'profile') return `timing the layers of ${p.title} on the device…`;
  return p.exported ? `verified ${p.exported.key}` : `exporting ${p.title}…`;
}

const KIND_ICON: Record<JobKind, string> = {
  train: '$(sync~spin)',
  search: '$(search)',
  export: '$(package)',
  rank: '$(list-ordered)',
  finetune: '$(mortar-board)',
  profile: '$(dashboard)',
};

/** The status bar item's text: an icon, then the progress message. */
export const statusText = (p: JobProgress): string => `${KIND_ICON[p.kind]} ${progressMessage(p)}`;

/** The status bar item's tooltip: what runs, where, and the last accuracy. */
export function statusTooltip(p: JobProgress): string {
  const lines = [`Supernet ${p.kind}: ${p.runId ?? p.title}`];
  if (p.backend) lines.push(`backend ${p.backend}`);
  if (p.lastAccuracy)
    lines.push(
      `inherited validation accuracy: largest ${formatAccuracy(p.lastAccuracy.largest)} · smallest ${formatAccuracy(p.lastAccuracy.smallest)}`,
    );
  if (p.frontSize !== undefined) lines.push(`front: ${plural(p.frontSize, 'subnet')}`);
  if (p.fleet) {
    const f = p.fleet;
    lines.push(
      `executor ${f.executor}: ${plural(f.workers.length, 'worker')}, ${f.queued} queued, ${f.running} running, ${f.done} done, ${f.evaluationsPerSec.toFixed(1)} evals/s`,
    );
    if (f.message) lines.push(f.message);
  }
  lines.push('Click to open the dashboard');
  return lines.join('\n');
}

export type LogLevel = 'info' | 'warning' | 'error';

/** What to tell the user when a job's process exited. */
export function exitReport(p: JobProgress, exit: JobExit): { level: LogLevel; message: string } {
  const what =
    p.kind === 'train'
      ? `Training ${p.runId ?? p.title}`
      : p.kind === 'search'
        ? `Search of ${p.runId ?? p.title}`
        : p.kind === 'rank'
          ? `Ranking check of ${p.runId ?? p.title}`
          : p.kind === 'finetune'
            ? `Fine-tune of ${p.finetune?.key ?? p.title}`
            : `Export of ${p.title}`;
  if (exit.status === 'completed') {
    const detail =
      p.kind === 'train' && p.lastAccuracy
        ? `: largest subnet ${formatAccuracy(p.lastAccuracy.largest)}, smallest ${formatAccuracy(p.lastAccuracy.smallest)}`
        : p.kind === 'search' && p.frontSize !== undefined
          ? `: ${plural(p.frontSize, 'subnet')} on the front`
          : p.kind === 'rank' && p.ranking
            ? `: ${rankingSummary(p.ranking)}`
            : p.kind === 'export' && p.exported
              ? `: ${p.exported.file} (${p.exported.int8DropPoints !== undefined ? `int8, accuracy drop ${p.exported.int8DropPoints.toFixed(2)} points, ` : ''}${formatLatency(p.exported.latencyMs)})`
              : p.kind === 'finetune' && p.finetune?.result
                ? `: inherited ${formatAccuracy(p.finetune.result.inherited.accuracy)} → ${accuracyKindLabel({ kind: 'finetuned', epochs: p.finetune.result.epochs })} ${formatAccuracy(p.finetune.result.finetuned.accuracy)}`
                : '';
    const warning = p.kind === 'rank' && p.ranking ? rankingWarning(p.ranking) : undefined;
    if (warning) return { level: 'warning', message: `${what} finished${detail}. ${warning}` };
    return { level: 'info', message: `${what} finished${detail}.` };
  }
  if (exit.status === 'cancelled') return { level: 'warning', message: `${what} was stopped.` };
  const how =
    exit.message ??
    p.endMessage ??
    (exit.signal
      ? `the engine was killed by ${exit.signal}`
      : `the engine exited with code ${exit.exitCode}`);
  return { level: 'error', message: `${what} failed: ${how}` };
}
