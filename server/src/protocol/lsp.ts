import type { EngineEvent } from './engine';

/**
 * Custom LSP messages between the extension (client) and the language server, which
 * owns the engine processes. One engine process per job; a job is a training run, a
 * search or an export. Every message is checked on arrival with the `check*` functions
 * below; a message of the wrong shape is refused with the returned reason.
 */

export const TrainRequest = 'supernet/train';
export const ResumeRequest = 'supernet/resume';
export const SearchRequest = 'supernet/search';
export const ExportRequest = 'supernet/export';
export const CancelRequest = 'supernet/cancel';
export const RunsRequest = 'supernet/runs';
/** Server → client notification: one engine event of a job, or the job's end. */
export const EventNotification = 'supernet/event';

/** Where runs live: the workspace's `supernet.runsFolder` resolved to an absolute path. */
interface WithRunsDir {
  runsDir: string;
}

export interface TrainParams extends WithRunsDir {
  /** Absolute path of the `*.supernet.yaml` file. */
  configPath: string;
  /** Stop after this many steps in total (default: the config's length). */
  steps?: number;
  backend?: string;
}

export interface ResumeParams extends WithRunsDir {
  runId: string;
}

export interface SearchParams extends WithRunsDir {
  /** A run id, a run folder, or a config file (then its newest trained run). */
  run: string;
  algorithm?: 'nsga2' | 'random';
  budget?: number;
  seed?: number;
}

export interface ExportParams extends WithRunsDir {
  run: string;
  key: string;
  /** Output file; default `<run>/exports/<key>.onnx`. */
  file?: string;
}

/** The answer to train/resume/search/export: the job that was started. */
export interface JobStarted {
  jobId: string;
  kind: JobKind;
}

export type JobKind = 'train' | 'search' | 'export';

export interface CancelParams {
  jobId: string;
}

/** The answer to cancel: false when no such job was running (it may have just ended). */
export interface CancelResult {
  cancelled: boolean;
}

export type RunsParams = WithRunsDir;

/** One run folder as the Runs tree shows it. */
export interface RunSummary {
  id: string;
  dir: string;
  configPath: string;
  status: 'running' | 'completed' | 'cancelled' | 'failed' | 'unknown';
  backend?: string;
  step?: number;
  totalSteps?: number;
  /** Best validation accuracy of the largest subnet over the epochs so far. */
  bestAccuracy?: number;
  /** Candidates in candidates.jsonl. */
  candidates: number;
  hasPareto: boolean;
  created?: string;
}

export interface RunsResult {
  runs: RunSummary[];
}

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

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
const isPosInt = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 1;

function needStrings(x: unknown, what: string, keys: string[]): string | undefined {
  if (!isObj(x)) return `${what}: the parameters must be an object`;
  for (const k of keys) if (!isStr(x[k])) return `${what}: \`${k}\` must be a non-empty string`;
  return undefined;
}

export function checkTrainParams(x: unknown): string | undefined {
  const e = needStrings(x, TrainRequest, ['configPath', 'runsDir']);
  if (e) return e;
  const p = x as Record<string, unknown>;
  if (p.steps !== undefined && !isPosInt(p.steps))
    return `${TrainRequest}: \`steps\` must be a positive whole number`;
  if (p.backend !== undefined && !isStr(p.backend))
    return `${TrainRequest}: \`backend\` must be a string`;
  return undefined;
}

export function checkResumeParams(x: unknown): string | undefined {
  return needStrings(x, ResumeRequest, ['runId', 'runsDir']);
}

export function checkSearchParams(x: unknown): string | undefined {
  const e = needStrings(x, SearchRequest, ['run', 'runsDir']);
  if (e) return e;
  const p = x as Record<string, unknown>;
  if (p.algorithm !== undefined && p.algorithm !== 'nsga2' && p.algorithm !== 'random')
    return `${SearchRequest}: \`algorithm\` must be 'nsga2' or 'random'`;
  if (p.budget !== undefined && !isPosInt(p.budget))
    return `${SearchRequest}: \`budget\` must be a positive whole number`;
  if (
    p.seed !== undefined &&
    !(typeof p.seed === 'number' && Number.isInteger(p.seed) && p.seed >= 0)
  )
    return `${SearchRequest}: \`seed\` must be a whole number ≥ 0`;
  return undefined;
}

export function checkExportParams(x: unknown): string | undefined {
  const e = needStrings(x, ExportRequest, ['run', 'key', 'runsDir']);
  if (e) return e;
  const p = x as Record<string, unknown>;
  if (p.file !== undefined && !isStr(p.file)) return `${ExportRequest}: \`file\` must be a path`;
  return undefined;
}

export function checkCancelParams(x: unknown): string | undefined {
  return needStrings(x, CancelRequest, ['jobId']);
}

export function checkRunsParams(x: unknown): string | undefined {
  return needStrings(x, RunsRequest, ['runsDir']);
}
