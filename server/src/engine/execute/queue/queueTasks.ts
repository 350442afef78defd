import { createHash } from 'node:crypto';
import { archSchema } from '#shared/arch';
import { int, list, literal, num, obj, optional, str, union, type Infer } from '#shared/schema/dsl';
import { isRecord, parseWith } from '#shared/schema/validate';

/**
 * The contract between a search (or ranking check) and the workers of its queue: the task
 * kinds, what each carries, and the Redis keys where results are kept. Tasks carry paths,
 * not data: the run folder (config, checkpoint) and the data set must be reachable at the
 * same absolute paths on every worker (a shared file system); the checkpoint's SHA-256
 * makes a worker that sees other weights refuse instead of answering wrongly.
 */

/** BullMQ's key prefix and queue name (BullMQ calls each task a job): the queue's keys are `supernet:jobs:*`. */
export const KEY_PREFIX = 'supernet';
export const QUEUE_NAME = 'jobs';
/** The registry of workers: a hash of worker id → WorkerInfo JSON. */
export const WORKERS_KEY = `${KEY_PREFIX}:workers`;
/** Bumped when task data or results change shape: workers refuse other formats. */
export const TASK_FORMAT = 1;
/**
 * What one task may ask of a worker. A search sends 8 subnets a task and a ranking check a few
 * epochs: far below these, which only stop a queue writer from holding a worker for days.
 */
export const MAX_ARCHS_PER_TASK = 64;
export const MAX_EPOCHS = 100;
/** The task's JSON, in characters: a few kilobytes for 64 subnets. */
export const MAX_TASK_CHARS = 256 * 1024;
const MAX_PATH_CHARS = 4096;
/** Results stay in Redis this long after their last write (a restarted search reuses them). */
export const RESULT_TTL_S = 7 * 24 * 3600;

const sha256Hex = (doc: string) => str(doc, { pattern: /^[0-9a-f]{64}$/ });
const absolutePath = (doc: string) => str(doc, { pattern: /^\//, maxLength: MAX_PATH_CHARS });

/** What every task carries. */
const taskBase = {
  format: literal('The task format: workers refuse another (TASK_FORMAT).', TASK_FORMAT),
  mac: optional(sha256Hex("HMAC-SHA256 of the rest under the fleet's secret (fleetAuth.ts)")),
  version: str('The Supernet Studio version of the search: a worker of another refuses the task.', {
    maxLength: 64,
  }),
  runDir: absolutePath('The run folder, as an absolute path every worker can read.'),
};

/**
 * A task on the queue: the one description of its type and of the check a worker makes of it.
 * The caps stop a queue writer from holding a worker for days; a search sends 8 subnets a task.
 */
export const queueTaskSchema = union('A task on the queue.', 'kind', {
  evaluate: obj(
    'Evaluate subnets of a run at one checkpoint (BN recalibration + validation each).',
    {
      ...taskBase,
      kind: literal('Evaluate subnets.', 'evaluate'),
      checkpointSha256: sha256Hex("SHA-256 of the checkpoint's tensor data: which weights."),
      checkpointStep: int('The step the checkpoint was written at.', { minimum: 0 }),
      archs: list('The subnets to evaluate.', archSchema, {
        minItems: 1,
        maxItems: MAX_ARCHS_PER_TASK,
      }),
    },
  ),
  'train-alone': obj("Train one subnet alone from scratch with the run's recipe (ranking check).", {
    ...taskBase,
    kind: literal('Train a subnet alone.', 'train-alone'),
    recipe: str("The recipe's identity (recipeOf): where the result is kept.", {
      pattern: /^[0-9a-f]{1,64}$/,
    }),
    configPath: str(
      "The config the run was started from (recipeOf's first part): a worker checks the recipe with it before it parses anything.",
      { minLength: 1, maxLength: MAX_PATH_CHARS },
    ),
    arch: archSchema,
    epochs: num('Epochs of stand-alone training.', { exclusiveMinimum: 0, maximum: MAX_EPOCHS }),
  }),
});

export type QueueTask = Infer<typeof queueTaskSchema>;
export type EvaluateTask = Extract<QueueTask, { kind: 'evaluate' }>;
export type TrainAloneTask = Extract<QueueTask, { kind: 'train-alone' }>;

const storedFields = {
  accuracy: num('Top-1 accuracy, a fraction.', { minimum: 0, maximum: 1 }),
  loss: num('Validation loss.', { minimum: 0 }),
  worker: str('The worker that computed it.', { minLength: 1, maxLength: 256 }),
  seconds: num('Seconds it took.', { minimum: 0, default: 0 }),
  mac: optional(
    sha256Hex("HMAC-SHA256 of the result and where it is kept, under the fleet's secret"),
  ),
};
/** An evaluation as kept in `resultsKey(sha)`, one field per arch key. */
export const storedEvaluationSchema = obj('An evaluation kept in Redis.', storedFields);
/** A stand-alone training as kept in `aloneKey(recipe)`, one field per `aloneField`. */
export const storedAloneSchema = obj('A stand-alone training kept in Redis.', {
  ...storedFields,
  images: int('Training images seen.', { minimum: 0 }),
});
export type StoredEvaluation = Infer<typeof storedEvaluationSchema>;
export type StoredAlone = Infer<typeof storedAloneSchema>;

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

/** A short id for a batch of subnets at a checkpoint: the same batch is one task. */
export const evaluateTaskId = (checkpointSha256: string, keys: readonly string[]): string =>
  `ev-${checkpointSha256.slice(0, 12)}-${createHash('sha256')
    .update([...keys].sort().join('|'))
    .digest('hex')
    .slice(0, 16)}`;

export const trainAloneTaskId = (recipe: string, key: string, epochs: number): string =>
  `ta-${recipe.slice(0, 12)}-${createHash('sha256')
    .update(aloneField(key, epochs))
    .digest('hex')
    .slice(0, 16)}`;

/**
 * A task as a worker of `version` may run it, or why it refuses it: another version or
 * format (said in words the user can act on), or the first field that is not as the
 * schema says (named, its value never quoted: the reason goes back to the queue).
 */
export function acceptTask(x: unknown, version: string): QueueTask | string {
  if (!isRecord(x)) return 'the task carries no data';
  if (x.version !== version || x.format !== TASK_FORMAT)
    return (
      `the task comes from Supernet Studio ${String(x.version).slice(0, 64)} (task format ${String(x.format).slice(0, 16)}); ` +
      `this worker runs ${version} (format ${TASK_FORMAT}). Install the same version on the ` +
      'workers as on the machine that searches.'
    );
  if (JSON.stringify(x).length > MAX_TASK_CHARS)
    return `the task is larger than ${MAX_TASK_CHARS / 1024} KiB`;
  const task = parseWith(queueTaskSchema, x, 'task');
  return task.ok ? task.value : task.problem;
}

/** A stored result, or undefined when the field holds something else. */
export function parseStored(text: string | null): StoredAlone | StoredEvaluation | undefined {
  if (text === null) return undefined;
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    return undefined;
  }
  const alone = isRecord(x) && x.images !== undefined;
  const got = parseWith(alone ? storedAloneSchema : storedEvaluationSchema, x);
  if (!got.ok) return undefined;
  // The schema's fields only: the MAC is over them, and nothing else is kept.
  const v = got.value as StoredAlone;
  return {
    accuracy: v.accuracy,
    loss: v.loss,
    worker: v.worker,
    seconds: v.seconds ?? 0,
    ...(alone ? { images: v.images } : {}),
    ...(v.mac !== undefined ? { mac: v.mac } : {}),
  };
}
