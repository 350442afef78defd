import { createHash } from 'node:crypto';
import { isArch, type Arch } from '#shared/arch';

/**
 * The contract between a search (or ranking check) and the workers of its queue: the job
 * kinds, what each carries, and the Redis keys where results are kept. Jobs carry paths,
 * not data: the run folder (config, checkpoint) and the data set must be reachable at the
 * same absolute paths on every worker (a shared file system); the checkpoint's SHA-256
 * makes a worker that sees other weights refuse instead of answering wrongly.
 */

/** BullMQ's key prefix and queue name: the queue's keys are `supernet:jobs:*`. */
export const KEY_PREFIX = 'supernet';
export const QUEUE_NAME = 'jobs';
/** The registry of workers: a hash of worker id → WorkerInfo JSON. */
export const WORKERS_KEY = `${KEY_PREFIX}:workers`;
/** Bumped when job data or results change shape: workers refuse other formats. */
export const JOB_FORMAT = 1;
/**
 * What one job may ask of a worker. A search sends 8 subnets a job and a ranking check a few
 * epochs: far below these, which only stop a queue writer from holding a worker for days.
 */
export const MAX_ARCHS_PER_JOB = 64;
export const MAX_EPOCHS = 100;
/** The job's JSON, in characters: a few kilobytes for 64 subnets. */
export const MAX_JOB_CHARS = 256 * 1024;
const MAX_PATH_CHARS = 4096;
/** Results stay in Redis this long after their last write (a restarted search reuses them). */
export const RESULT_TTL_S = 7 * 24 * 3600;

interface JobBase {
  format: number;
  /** HMAC-SHA256 of the rest under the fleet's secret (fleetAuth.ts); absent without one. */
  mac?: string;
  /** The Supernet Studio version of the search: a worker of another version refuses the job. */
  version: string;
  /** The run folder, as an absolute path every worker can read. */
  runDir: string;
}

/** Evaluate subnets of a run at one checkpoint (BN recalibration + validation each). */
export interface EvaluateJob extends JobBase {
  kind: 'evaluate';
  checkpointSha256: string;
  checkpointStep: number;
  archs: Arch[];
}

/** Train one subnet alone from scratch with the run's recipe (ranking check). */
export interface TrainAloneJob extends JobBase {
  kind: 'train-alone';
  /** The recipe's identity (see recipeOf): where the result is kept. */
  recipe: string;
  /** The config the run was started from (recipeOf's first part): a worker checks the recipe with it before it parses anything. */
  configPath: string;
  arch: Arch;
  epochs: number;
}

export type QueueJob = EvaluateJob | TrainAloneJob;

/** An evaluation as kept in `resultsKey(sha)`, one field per arch key. */
export interface StoredEvaluation {
  accuracy: number;
  loss: number;
  worker: string;
  seconds: number;
  /** HMAC-SHA256 of the result and where it is kept, under the fleet's secret; absent without one. */
  mac?: string;
}

/** A stand-alone training as kept in `aloneKey(recipe)`, one field per `aloneField`. */
export interface StoredAlone extends StoredEvaluation {
  images: number;
}

export const resultsKey = (checkpointSha256: string): string =>
  `${KEY_PREFIX}:results:${checkpointSha256}`;
export const aloneKey = (recipe: string): string => `${KEY_PREFIX}:alone:${recipe}`;
export const aloneField = (key: string, epochs: number): string => `${key}@${epochs}`;

/**
 * What a stand-alone result depends on: the run's config text (space, task, recipe, the
 * recalibration) and where it was started from (its data paths are relative to that).
 */
export const recipeOf = (configPath: string, configText: string): string =>
  createHash('sha256').update(`${configPath}\n${configText}`).digest('hex').slice(0, 32);

/** A short id for a batch of subnets at a checkpoint: the same batch is one job. */
export const evaluateJobId = (checkpointSha256: string, keys: readonly string[]): string =>
  `ev-${checkpointSha256.slice(0, 12)}-${createHash('sha256')
    .update([...keys].sort().join('|'))
    .digest('hex')
    .slice(0, 16)}`;

export const trainAloneJobId = (recipe: string, key: string, epochs: number): string =>
  `ta-${recipe.slice(0, 12)}-${createHash('sha256')
    .update(aloneField(key, epochs))
    .digest('hex')
    .slice(0, 16)}`;

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStr = (x: unknown): x is string => typeof x === 'string' && x.length > 0;

/**
 * A job as a worker of `version` may run it, or why it refuses it: another version or
 * format (said in words the user can act on), or data that is not a job.
 */
export function acceptJob(x: unknown, version: string): QueueJob | string {
  if (!isObj(x)) return 'the job carries no data';
  if (x.version !== version || x.format !== JOB_FORMAT)
    return (
      `the job comes from Supernet Studio ${String(x.version)} (job format ${String(x.format)}); ` +
      `this worker runs ${version} (format ${JOB_FORMAT}). Install the same version on the ` +
      'workers as on the machine that searches.'
    );
  if (JSON.stringify(x).length > MAX_JOB_CHARS)
    return `the job is larger than ${MAX_JOB_CHARS / 1024} KiB`;
  if (!isStr(x.runDir) || !x.runDir.startsWith('/') || x.runDir.length > MAX_PATH_CHARS)
    return 'the job names no absolute run folder';
  if (x.kind === 'evaluate') {
    if (!isStr(x.checkpointSha256) || !/^[0-9a-f]{64}$/.test(x.checkpointSha256))
      return 'the job names no checkpoint';
    if (!isNum(x.checkpointStep)) return 'the job names no checkpoint';
    if (!Array.isArray(x.archs) || x.archs.length === 0 || !x.archs.every(isArch))
      return 'the job lists no subnets';
    if (x.archs.length > MAX_ARCHS_PER_JOB)
      return `the job lists ${x.archs.length} subnets, more than the ${MAX_ARCHS_PER_JOB} a job may`;
    return x as unknown as EvaluateJob;
  }
  if (x.kind === 'train-alone') {
    if (
      !isStr(x.recipe) ||
      !isStr(x.configPath) ||
      x.configPath.length > MAX_PATH_CHARS ||
      !isArch(x.arch) ||
      !isNum(x.epochs) ||
      x.epochs <= 0
    )
      return 'the job is not a stand-alone training';
    if (x.epochs > MAX_EPOCHS)
      return `the job asks for ${x.epochs} epochs, more than the ${MAX_EPOCHS} a job may`;
    return x as unknown as TrainAloneJob;
  }
  return `unknown job kind '${String(x.kind)}'`;
}

/** A stored result, or undefined when the field holds something else. */
export function parseStored(text: string | null): StoredAlone | StoredEvaluation | undefined {
  if (text === null) return undefined;
  try {
    const x: unknown = JSON.parse(text);
    if (!isObj(x) || !isNum(x.accuracy) || !isNum(x.loss) || !isStr(x.worker)) return undefined;
    return {
      accuracy: x.accuracy,
      loss: x.loss,
      worker: x.worker,
      seconds: isNum(x.seconds) ? x.seconds : 0,
      ...(isNum(x.images) ? { images: x.images } : {}),
      ...(typeof x.mac === 'string' ? { mac: x.mac } : {}),
    };
  } catch {
    return undefined;
  }
}
