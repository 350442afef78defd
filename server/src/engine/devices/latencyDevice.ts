import { hostname } from 'node:os';
import { Job, Queue } from 'bullmq';
import { redactUrl } from '#shared/executor';
import type { EngineEvent } from '#shared/protocol/engine';
import { Cancelled, RunError } from '../runError';
import {
  fleetSecret,
  resultPayload,
  signed,
  UNSIGNED_WARNING,
  verifyMac,
} from '../execute/queue/fleetAuth';
import { KEY_PREFIX } from '../execute/queue/queueTasks';
import { bullConnection, RedisLink, within } from '../execute/queue/redisConnection';
import { connectedWorkers } from '../execute/queue/workerRegistry';
import {
  deviceQueueName,
  MAX_TIMING_TASK_CHARS,
  parseStoredTiming,
  sha256Of,
  TIMING_FORMAT,
  timingField,
  timingsKey,
  timingTaskId,
  type StoredTiming,
  type TimingSettings,
  type TimingTask,
} from './deviceTasks';
import { timeModels } from './timeModels';

/** One model timed on a device, and by which worker. */
export type DeviceTiming = Omit<StoredTiming, 'mac'>;

/** What latency is measured on: this process, or a device worker reached through a queue. */
export interface LatencyDevice {
  /** The device's name (`pi5`). */
  readonly device: string;
  /** How it is reached, for messages. */
  readonly where: string;
  /** Times each model (in its order); `shouldStop` ends the wait with a Cancelled error. */
  time(
    models: readonly Uint8Array[],
    settings: TimingSettings,
    shouldStop?: () => boolean,
  ): Promise<DeviceTiming[]>;
  close(): Promise<void>;
}

/** Timed in this process: the machine that runs the engine is the device. */
export class LocalDevice implements LatencyDevice {
  readonly where = 'this process';
  constructor(
    readonly device: string,
    private readonly threads = 1,
  ) {}

  async time(
    models: readonly Uint8Array[],
    settings: TimingSettings,
    shouldStop?: () => boolean,
  ): Promise<DeviceTiming[]> {
    const out: DeviceTiming[] = [];
    // A few at a time, alternated: load that changes affects neighbours alike.
    for (let i = 0; i < models.length; i += 8) {
      if (shouldStop?.()) throw new Cancelled();
      const timings = await timeModels(models.slice(i, i + 8), settings, this.threads);
      for (const t of timings) out.push({ ...t, worker: `${hostname()} (in process)` });
    }
    return out;
  }

  async close(): Promise<void> {}
}

const POLL_MS = 150;
const MODELS_PER_TASK = 16;
const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'fixed' as const, delay: 2_000 },
  removeOnComplete: { age: 3_600, count: 5_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
};

/**
 * A device reached through its queue (`supernet worker --queue URL --device NAME` on the
 * device): models go out in signed timing tasks carrying their bytes, timings come back
 * through one Redis hash per device keyed by model hash and batch, written by the worker
 * before it completes a task. A model timed before (by this search, an earlier one, a
 * killed worker) is taken from there; a task Redis lost is added again; the wait rides
 * out a Redis outage. Results are believed only when signed with the fleet's secret.
 */
export class QueueDevice implements LatencyDevice {
  readonly where: string;
  private warned = new Set<string>();

  private constructor(
    readonly device: string,
    private readonly queue: Queue,
    private readonly link: RedisLink,
    private readonly version: string,
    private readonly secret: Buffer | undefined,
    private readonly emit: (e: EngineEvent) => void,
    url: string,
  ) {
    this.where = `${redactUrl(url)} (queue ${deviceQueueName(device)})`;
  }

  static async open(
    url: string,
    device: string,
    version: string,
    emit: (e: EngineEvent) => void,
  ): Promise<QueueDevice> {
    const secret = fleetSecret();
    if (!secret)
      emit({ type: 'log', time: Date.now(), level: 'warning', message: UNSIGNED_WARNING });
    const link = new RedisLink(url, `supernet-device ${device}`);
    await link.reachable();
    const queue = new Queue(deviceQueueName(device), {
      connection: bullConnection(url),
      prefix: KEY_PREFIX,
    });
    queue.on('error', () => undefined);
    return new QueueDevice(device, queue, link, version, secret, emit, url);
  }

  /** Whether a worker of this device is connected now. */
  async online(): Promise<boolean> {
    const workers = (await within(connectedWorkers(this.link.redis), 3_000)) ?? [];
    return workers.some((w) => w.device === this.device && w.version === this.version);
  }

  async time(
    models: readonly Uint8Array[],
    settings: TimingSettings,
    shouldStop?: () => boolean,
  ): Promise<DeviceTiming[]> {
    const shas = models.map(sha256Of);
    const hash = timingsKey(this.device);
    const fields = shas.map((s) => timingField(s, settings.batch));
    const found = new Map<number, DeviceTiming>();
    const collect = async () => {
      const want = fields.flatMap((f, i) => (found.has(i) ? [] : [{ f, i }]));
      if (!want.length) return;
      const texts = await within(this.link.redis.hmget(hash, ...want.map((w) => w.f)), 2_000);
      if (!texts) return;
      const forged: string[] = [];
      want.forEach(({ f, i }, k) => {
        const stored = parseStoredTiming(texts[k]);
        if (!stored) return;
        const { mac, ...timing } = stored;
        if (this.secret && !verifyMac(this.secret, { ...resultPayload(hash, f, timing), mac }))
          return void forged.push(f);
        found.set(i, timing);
      });
      if (forged.length) {
        await within(this.link.redis.hdel(hash, ...forged), 2_000);
        this.warn(
          `${forged.length} timing(s) of ${this.device} in Redis are not signed with this fleet's secret: dropped, and timed again.`,
        );
      }
    };
    await collect();
    const submitted = new Map<string, { data: TimingTask; models: number[] }>();
    const submit = async () => {
      const todo = shas.flatMap((s, i) => (found.has(i) ? [] : [{ s, i }]));
      for (let at = 0; at < todo.length; at += MODELS_PER_TASK) {
        const part = todo.slice(at, at + MODELS_PER_TASK);
        const task: TimingTask = {
          kind: 'time',
          format: TIMING_FORMAT,
          version: this.version,
          device: this.device,
          settings,
          models: part.map(({ s, i }) => ({
            sha256: s,
            onnx: Buffer.from(models[i]).toString('base64'),
          })),
        };
        if (JSON.stringify(task).length > MAX_TIMING_TASK_CHARS)
          throw new RunError(
            `A model to time on ${this.device} is larger than a timing task may carry (${MAX_TIMING_TASK_CHARS / 1024 / 1024} MiB).`,
          );
        const id = timingTaskId(
          this.device,
          part.map((p) => p.s),
          settings,
        );
        const sent = this.secret ? signed(this.secret, task) : task;
        const job = await this.queue.add('time', sent, { ...JOB_OPTIONS, jobId: id });
        if ((await job.getState()) === 'failed') await job.retry('failed');
        submitted.set(id, { data: sent, models: part.map((p) => p.i) });
      }
    };
    await submit();
    let lastCheck = Date.now();
    while (found.size < models.length) {
      if (shouldStop?.()) throw new Cancelled();
      await sleep(POLL_MS);
      await collect();
      if (found.size === models.length || Date.now() - lastCheck < 1_000) continue;
      lastCheck = Date.now();
      for (const [id, t] of submitted)
        if (t.models.every((i) => found.has(i))) submitted.delete(id);
      await this.check(submitted);
    }
    return fields.map((_, i) => found.get(i) as DeviceTiming);
  }

  /** Tasks Redis lost are added again; a failed one ends the wait; no worker is said. */
  private async check(
    submitted: ReadonlyMap<string, { data: TimingTask; models: number[] }>,
  ): Promise<void> {
    if (this.link.unreachableSince !== undefined)
      return this.warn(
        `Redis for device ${this.device} is unreachable; waiting for it to come back.`,
      );
    for (const [id, { data }] of submitted) {
      const job = await within(Job.fromId(this.queue, id), 2_000);
      if (job === undefined) continue;
      if (job === null || (await job.getState()) === 'completed') {
        // Gone (Redis restarted without its data) or done with timings missing: again.
        await job?.remove().catch(() => undefined);
        await this.queue.add('time', data, { ...JOB_OPTIONS, jobId: id });
        continue;
      }
      if ((await job.getState()) === 'failed')
        throw new RunError(
          `The device worker of ${this.device} failed task ${id}: ${job.failedReason}`,
        );
    }
    if (!(await this.online()))
      this.warn(
        `No worker of device ${this.device} (Supernet Studio ${this.version}) is connected: start one on the device with \`supernet worker --queue URL --device ${this.device}\`.`,
      );
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.emit({ type: 'log', time: Date.now(), level: 'warning', message });
  }

  async close(): Promise<void> {
    await within(this.queue.close(), 2_000);
    await this.link.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
