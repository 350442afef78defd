import { createHash } from 'node:crypto';
import { DEVICE_NAME } from '#shared/metrics';
import { int, list, literal, num, obj, optional, str, type Infer } from '#shared/schema/dsl';
import { parseJsonText } from '#shared/runFolder/jsonl';
import { isRecord, parseWith } from '#shared/schema/validate';
import { KEY_PREFIX, RESULT_TTL_S } from '../execute/queue/queueTasks';

/**
 * The contract between whoever needs a latency (a search, `supernet profile`) and the
 * device workers of a queue (`supernet worker --device NAME`). Unlike evaluation tasks,
 * a timing task carries the models themselves, ONNX bytes in base64: a device needs no
 * run folder, no data set and no shared file system, only the models it is asked to time.
 * Each device has a queue of its own, so a task reaches only the device it names.
 */

/** Bumped when timing tasks or results change shape: device workers refuse other formats. */
export const TIMING_FORMAT = 1;
/** One model's bytes at most: the largest subnets of the shipped examples are under 2 MiB. */
export const MAX_MODEL_BYTES = 16 * 1024 * 1024;
/** Models per task at most; a profile's layers go 16 a task. */
export const MAX_MODELS_PER_TASK = 64;
/** A task's JSON, in characters (base64 is 4/3 of the bytes). */
export const MAX_TIMING_TASK_CHARS = 24 * 1024 * 1024;
const MAX_RUNS = 1000;

/** The BullMQ queue of one device: no other worker takes its tasks. */
export const deviceQueueName = (device: string): string => `device.${device}`;
/** Where a device's timings are kept: one field per model hash and batch. */
export const timingsKey = (device: string): string => `${KEY_PREFIX}:timings:${device}`;
export const timingField = (sha256: string, batch: number): string => `${sha256}@${batch}`;
export { RESULT_TTL_S };

const sha256Hex = (doc: string) => str(doc, { pattern: /^[0-9a-f]{64}$/ });

/** How a device times a model: the same for every model of a task. */
export const timingSettingsSchema = obj('How a model is timed.', {
  batch: int('Images per run.', { minimum: 1, maximum: 256 }),
  warmup: int('Untimed runs first.', { minimum: 0, maximum: MAX_RUNS }),
  runs: int('Timed runs: the median and the spread are over them.', {
    minimum: 1,
    maximum: MAX_RUNS,
  }),
});
export type TimingSettings = Infer<typeof timingSettingsSchema>;

/** A timing task on a device's queue. */
export const timingTaskSchema = obj('Time ONNX models on a device.', {
  kind: literal('Time models.', 'time'),
  format: literal('The task format: device workers refuse another (TIMING_FORMAT).', TIMING_FORMAT),
  mac: optional(sha256Hex("HMAC-SHA256 of the rest under the fleet's secret (fleetAuth.ts)")),
  version: str('The Supernet Studio version that sent it: a worker of another refuses it.', {
    maxLength: 64,
  }),
  device: str('The device it is for.', { pattern: DEVICE_NAME }),
  settings: timingSettingsSchema,
  models: list(
    'The models, each with the SHA-256 of its bytes (checked before it is run).',
    obj('One model.', {
      sha256: sha256Hex('SHA-256 of the ONNX bytes.'),
      onnx: str('The ONNX bytes, base64.', {
        minLength: 1,
        maxLength: Math.ceil(MAX_MODEL_BYTES / 3) * 4,
        pattern: /^[A-Za-z0-9+/]+={0,2}$/,
      }),
    }),
    { minItems: 1, maxItems: MAX_MODELS_PER_TASK },
  ),
});
export type TimingTask = Infer<typeof timingTaskSchema>;

/** A timing as kept in `timingsKey(device)`. */
export const storedTimingSchema = obj('A model timed on a device, kept in Redis.', {
  medianMs: num('Median ms of one run.', { minimum: 0 }),
  spreadMs: num('Interquartile range of the runs, ms.', { minimum: 0 }),
  runs: int('Timed runs.', { minimum: 1 }),
  threads: int('Threads onnxruntime ran with.', { minimum: 1 }),
  worker: str('The device worker that timed it.', { minLength: 1, maxLength: 256 }),
  mac: optional(
    sha256Hex("HMAC-SHA256 of the timing and where it is kept, under the fleet's secret"),
  ),
});
export type StoredTiming = Infer<typeof storedTimingSchema>;

export const sha256Of = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');

/** One task per set of models and settings: the same request is one task. */
export const timingTaskId = (device: string, shas: readonly string[], s: TimingSettings): string =>
  `tm-${device}-${createHash('sha256')
    .update(`${[...shas].sort().join('|')}#${s.batch}/${s.warmup}/${s.runs}`)
    .digest('hex')
    .slice(0, 20)}`;

/**
 * A timing task as a device worker of `version` named `device` may run it, or why it refuses
 * it: another version or format, another device, too large, or a field that is not as the
 * schema says (named, never quoted), or a model whose bytes do not hash to what it claims.
 */
export function acceptTimingTask(
  x: unknown,
  version: string,
  device: string,
): { task: TimingTask; models: Uint8Array[] } | string {
  if (!isRecord(x)) return 'the task carries no data';
  if (x.version !== version || x.format !== TIMING_FORMAT)
    return (
      `the task comes from Supernet Studio ${String(x.version).slice(0, 64)} (timing format ${String(x.format).slice(0, 16)}); ` +
      `this device worker runs ${version} (format ${TIMING_FORMAT}). Install the same version on the device.`
    );
  if (JSON.stringify(x).length > MAX_TIMING_TASK_CHARS)
    return `the task is larger than ${MAX_TIMING_TASK_CHARS / 1024 / 1024} MiB`;
  const parsed = parseWith(timingTaskSchema, x, 'task');
  if (!parsed.ok) return parsed.problem;
  const task = parsed.value;
  if (task.device !== device) return `the task is for device ${task.device}, this is ${device}`;
  const models: Uint8Array[] = [];
  for (const [i, m] of task.models.entries()) {
    const bytes = Buffer.from(m.onnx, 'base64');
    if (bytes.length > MAX_MODEL_BYTES)
      return `task.models[${i}] is larger than ${MAX_MODEL_BYTES / 1024 / 1024} MiB`;
    if (sha256Of(bytes) !== m.sha256)
      return `task.models[${i}]: its bytes do not hash to the SHA-256 it claims`;
    models.push(bytes);
  }
  return { task, models };
}

/** A stored timing, or undefined when the field holds something else. */
export function parseStoredTiming(text: string | null): StoredTiming | undefined {
  const got = parseWith(storedTimingSchema, parseJsonText(text ?? undefined));
  if (!got.ok) return undefined;
  // The schema's fields only: the MAC is over them, and nothing else is kept.
  const { medianMs, spreadMs, runs, threads, worker, mac } = got.value;
  return { medianMs, spreadMs, runs, threads, worker, ...(mac !== undefined ? { mac } : {}) };
}
