import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { RunSummary } from '../runFolder/summarise';
import { EXPORT_PRECISIONS, isEngineEvent, type EngineEvent, type ExportPrecision } from './engine';

/**
 * The custom LSP messages between the extension (client) and the language server, which
 * owns the engine processes. One engine process per job: a training run, a search, an
 * export or a ranking check. Each method is declared once, with its params and result;
 * the receiving end checks the params on arrival with the `check*` function beside it.
 */

/** Where runs live: the workspace's `supernet.runsFolder` resolved to an absolute path. */
interface WithRunsDir {
  runsDir: string;
}

export const JOB_KINDS = ['train', 'search', 'export', 'rank', 'finetune'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** The answer to every request that starts a job. */
export interface JobStarted {
  jobId: string;
  kind: JobKind;
}

export interface TrainParams extends WithRunsDir {
  /** Absolute path of the `*.supernet.yaml` file. */
  configPath: string;
  /** Stop after this many steps in total (default: the config's length). */
  steps?: number;
  backend?: string;
}
/** Client → server: train a config's supernet in a new run. */
export const TrainRequest = new RequestType<TrainParams, JobStarted, void>('supernet/train');

export interface ResumeParams extends WithRunsDir {
  runId: string;
  /** A new total: only to train a completed run further (else the run's own total). */
  steps?: number;
}
/** Client → server: continue a stopped, failed or interrupted run from its checkpoint. */
export const ResumeRequest = new RequestType<ResumeParams, JobStarted, void>('supernet/resume');

export interface SearchParams extends WithRunsDir {
  /** A run id, a run folder, or a config file (then its newest trained run). */
  run: string;
  algorithm?: 'nsga2' | 'random';
  budget?: number;
  seed?: number;
}
/** Client → server: search a trained run for its Pareto front. */
export const SearchRequest = new RequestType<SearchParams, JobStarted, void>('supernet/search');

export interface ExportParams extends WithRunsDir {
  run: string;
  key: string;
  /** Output file; default `<run>/exports/<key>.onnx` (`.finetuned` with `finetuned`, `.int8` for int8 before `.onnx`). */
  file?: string;
  /** float32 (default) or int8 (static post-training quantisation, calibrated by default). */
  precision?: ExportPrecision;
  /** Export the weights of the subnet's completed fine-tune. */
  finetuned?: boolean;
}
/** Client → server: export one subnet of a run as a verified ONNX model. */
export const ExportRequest = new RequestType<ExportParams, JobStarted, void>('supernet/export');

export interface FinetuneParams extends WithRunsDir {
  run: string;
  key: string;
  /** Epochs of fine-tuning (default: the engine's FINETUNE_DEFAULTS). */
  epochs?: number;
}
/** Client → server: fine-tune one subnet of a run from its inherited weights. */
export const FinetuneRequest = new RequestType<FinetuneParams, JobStarted, void>(
  'supernet/finetune',
);

export interface RankParams extends WithRunsDir {
  run: string;
  /** Subnets to train alone (K). */
  subnets?: number;
  /** Epochs of each stand-alone training. */
  epochs?: number;
  seed?: number;
}
/** Client → server: check how well the run's supernet ranks subnets. */
export const RankRequest = new RequestType<RankParams, JobStarted, void>('supernet/rank');

export interface CancelParams {
  jobId: string;
}
/** The answer to cancel: false when no such job was running (it may have just ended). */
export interface CancelResult {
  cancelled: boolean;
}
/** Client → server: ask a job to stop (training writes a checkpoint first). */
export const CancelRequest = new RequestType<CancelParams, CancelResult, void>('supernet/cancel');

export type RunsParams = WithRunsDir;
export interface RunsResult {
  runs: RunSummary[];
}
/** Client → server: the runs of a runs folder, as the server's jobs know them. */
export const RunsRequest = new RequestType<RunsParams, RunsResult, void>('supernet/runs');

/** How a job ended when its engine process exited. */
export interface JobExit {
  status: 'completed' | 'cancelled' | 'failed';
  exitCode: number | null;
  signal: string | null;
  /** Set when the engine crashed (exit without an end event, or a non-zero exit). */
  message?: string;
  /** The engine's last stderr lines. */
  stderrTail: string[];
}

/** `supernet/event`: an engine event of a job, or (with `exit`) the job's end. */
export interface EventParams {
  jobId: string;
  kind: JobKind;
  /** The run the job belongs to, once known. */
  runId?: string;
  event?: EngineEvent;
  exit?: JobExit;
}
/** Server → client: one engine event of a job, or the job's end. */
export const EventNotification = new NotificationType<EventParams>('supernet/event');

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
const isPosInt = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 1;
const isSeed = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;

function needStrings(x: unknown, what: string, keys: string[]): string | undefined {
  if (!isObj(x)) return `${what}: the parameters must be an object`;
  for (const k of keys) if (!isStr(x[k])) return `${what}: \`${k}\` must be a non-empty string`;
  return undefined;
}

export function checkTrainParams(x: unknown): string | undefined {
  const m = TrainRequest.method;
  const e = needStrings(x, m, ['configPath', 'runsDir']);
  if (e) return e;
  const p = x as Record<string, unknown>;
  if (p.steps !== undefined && !isPosInt(p.steps))
    return `${m}: \`steps\` must be a positive whole number`;
  if (p.backend !== undefined && !isStr(p.backend)) return `${m}: \`backend\` must be a string`;
  return undefined;
}

export function checkResumeParams(x: unknown): string | undefined {
  const e = needStrings(x, ResumeRequest.method, ['runId', 'runsDir']);
  if (e) return e;
  const p = x as Record<string, unknown>;
  if (p.steps !== undefined && !isPosInt(p.steps))
    return `${ResumeRequest.method}: \`steps\` must be a positive whole number`;
  return undefined;
}

export function checkSearchParams(x: unknown): string | undefined {
  const m = SearchRequest.method;
  const e = needStrings(x, m, ['run', 'runsDir']);
  if (e) return e;
  const p = x as Record<string, unknown>;
  if (p.algorithm !== undefined && p.algorithm !== 'nsga2' && p.algorithm !== 'random')
    return `${m}: \`algorithm\` must be 'nsga2' or 'random'`;
  if (p.budget !== undefined && !isPosInt(p.budget))
    return `${m}: \`budget\` must be a positive whole number`;
  if (p.seed !== undefined && !isSeed(p.seed)) return `${m}: \`seed\` must be a whole number ≥ 0`;
  return undefined;
}

export function checkExportParams(x: unknown): string | undefined {
  const m = ExportRequest.method;
  const e = needStrings(x, m, ['run', 'key', 'runsDir']);
  if (e) return e;
  const p = x as Record<string, unknown>;
  if (p.file !== undefined && !isStr(p.file)) return `${m}: \`file\` must be a path`;
  if (p.precision !== undefined && !EXPORT_PRECISIONS.includes(p.precision as ExportPrecision))
    return `${m}: \`precision\` must be one of ${EXPORT_PRECISIONS.join(', ')}`;
  if (p.finetuned !== undefined && typeof p.finetuned !== 'boolean')
    return `${m}: \`finetuned\` must be true or false`;
  return undefined;
}

export function checkFinetuneParams(x: unknown): string | undefined {
  const m = FinetuneRequest.method;
  const e = needStrings(x, m, ['run', 'key', 'runsDir']);
  if (e) return e;
  const p = x as Record<string, unknown>;
  if (p.epochs !== undefined && !(typeof p.epochs === 'number' && p.epochs > 0 && p.epochs <= 1000))
    return `${m}: \`epochs\` must be a positive number (at most 1000)`;
  return undefined;
}

export function checkRankParams(x: unknown): string | undefined {
  const m = RankRequest.method;
  const e = needStrings(x, m, ['run', 'runsDir']);
  if (e) return e;
  const p = x as Record<string, unknown>;
  if (p.subnets !== undefined && !(isPosInt(p.subnets) && (p.subnets as number) >= 2))
    return `${m}: \`subnets\` must be a whole number ≥ 2`;
  if (p.epochs !== undefined && !(typeof p.epochs === 'number' && p.epochs > 0))
    return `${m}: \`epochs\` must be a positive number`;
  if (p.seed !== undefined && !isSeed(p.seed)) return `${m}: \`seed\` must be a whole number ≥ 0`;
  return undefined;
}

export function checkCancelParams(x: unknown): string | undefined {
  return needStrings(x, CancelRequest.method, ['jobId']);
}

export function checkRunsParams(x: unknown): string | undefined {
  return needStrings(x, RunsRequest.method, ['runsDir']);
}

/** Checks a `supernet/event` notification on arrival; returns why it is refused, or undefined. */
export function checkEventParams(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return 'the parameters must be an object';
  const n = x as Record<string, unknown>;
  if (typeof n.jobId !== 'string' || !n.jobId) return '`jobId` must be a non-empty string';
  if (!JOB_KINDS.includes(n.kind as JobKind))
    return `\`kind\` must be one of ${JOB_KINDS.join(', ')}`;
  if (n.runId !== undefined && typeof n.runId !== 'string') return '`runId` must be a string';
  if (n.event !== undefined && !isEngineEvent(n.event)) return '`event` is not an engine event';
  if (n.exit !== undefined) {
    const e = n.exit as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null) return '`exit` must be an object';
    if (e.status !== 'completed' && e.status !== 'cancelled' && e.status !== 'failed')
      return '`exit.status` must be completed, cancelled or failed';
    if (!Array.isArray(e.stderrTail)) return '`exit.stderrTail` must be a list';
  }
  if (n.event === undefined && n.exit === undefined) return 'needs an `event` or an `exit`';
  return undefined;
}
