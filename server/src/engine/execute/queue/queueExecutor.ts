import { Job, Queue, type JobsOptions } from 'bullmq';
import { archKey, type Arch } from '#shared/arch';
import { redactUrl, type WorkerInfo } from '#shared/executor';
import type { EngineEvent, ExecutorEvent } from '#shared/protocol/engine';
import { Cancelled, RunError } from '../../runError';
import type { EvaluatedSubnet, Executor, TrainAloneProgress, TrainedAlone } from '../executor';
import {
  aloneField,
  aloneKey,
  evaluateTaskId,
  TASK_FORMAT,
  KEY_PREFIX,
  parseStored,
  QUEUE_NAME,
  resultsKey,
  trainAloneTaskId,
  type EvaluateTask,
  type QueueTask,
  type StoredAlone,
  type StoredEvaluation,
  type TrainAloneTask,
} from './queueTasks';
import { fleetSecret, resultPayload, signed, UNSIGNED_WARNING, verifyMac } from './fleetAuth';
import { bullConnection, RedisLink, within } from './redisConnection';
import { connectedWorkers } from './workerRegistry';

export interface QueueContext {
  /** The run folder (absolute): workers read its config and checkpoint from there. */
  runDir: string;
  checkpointSha256: string;
  checkpointStep: number;
  /** The stand-alone recipe's identity (queueTasks.recipeOf). */
  recipe: string;
  /** The config the run was started from: part of the recipe. */
  configPath: string;
  /** This engine's version: workers of another refuse its jobs. */
  version: string;
  emit: (e: EngineEvent) => void;
}

/** How often results are looked for, and how often the jobs and workers are reported. */
const POLL_MS = 150;
const REPORT_MS = 1_000;
/** Subnets per evaluation job at most: small jobs spread over workers, and a killed one loses little. */
const MAX_BATCH = 8;
/** Job retries after a worker's error (a worker that is killed is detected as stalled instead). */
const JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'fixed', delay: 2_000 },
  removeOnComplete: { age: 3_600, count: 5_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
};

type JobState = 'queued' | 'running' | 'done' | 'failed';

/** A queue job of this search: what it asked for, how it stands. */
interface Tracked {
  id: string;
  name: QueueTask['kind'];
  data: QueueTask;
  state: JobState;
  failure?: string;
  onProgress?: (p: TrainAloneProgress) => void;
}

/**
 * Runs evaluations and stand-alone trainings as BullMQ jobs on Redis, for any number of
 * `supernet worker` processes on any machines that share the run folder's path. Results
 * come back through Redis hashes keyed by checkpoint (or recipe) and subnet, written by
 * the worker before it completes the job: a subnet done by a killed worker, or before a
 * restart of the search, is taken from there and never evaluated twice. Job ids are
 * derived from what they compute, so adding a job that is already queued or done adds
 * nothing. Jobs that vanish (Redis restarted without its data) are added again; commands
 * wait through a Redis outage, which is reported.
 */
export class QueueExecutor implements Executor {
  readonly name: string;
  private readonly jobs = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private reporting = false;
  private closed = false;
  private workers: WorkerInfo[] = [];
  private evaluations = 0;
  private firstSubmit: number | undefined;
  private warned = new Set<string>();

  private constructor(
    url: string,
    private readonly queue: Queue,
    private readonly link: RedisLink,
    private readonly ctx: QueueContext,
    /** The fleet's secret: jobs go out signed, results count only when signed (fleetAuth.ts). */
    private readonly secret: Buffer | undefined,
  ) {
    this.name = redactUrl(url);
  }

  static async open(url: string, ctx: QueueContext): Promise<QueueExecutor> {
    const secret = fleetSecret();
    if (!secret)
      ctx.emit({ type: 'log', time: Date.now(), level: 'warning', message: UNSIGNED_WARNING });
    const link = new RedisLink(url, 'supernet-search');
    await link.reachable();
    const queue = new Queue(QUEUE_NAME, { connection: bullConnection(url), prefix: KEY_PREFIX });
    // Outages are reported from the link's state; BullMQ's own reconnection handles the rest.
    queue.on('error', () => undefined);
    const ex = new QueueExecutor(url, queue, link, ctx, secret);
    await ex.report();
    ex.timer = setInterval(() => void ex.report(), REPORT_MS);
    return ex;
  }

  async evaluate(
    archs: readonly Arch[],
    onResult: (r: EvaluatedSubnet) => void,
    shouldStop?: () => boolean,
  ): Promise<void> {
    const want = new Map(archs.map((a) => [archKey(a), a]));
    const field = resultsKey(this.ctx.checkpointSha256);
    const collect = async (): Promise<void> => {
      const keys = [...want.keys()];
      if (!keys.length) return;
      const values = await within(this.link.redis.hmget(field, ...keys), 2_000);
      const results = await this.authentic(field, keys, values ?? []);
      results.forEach((stored, i) => {
        const arch = want.get(keys[i]);
        if (!stored || !arch) return;
        want.delete(keys[i]);
        this.evaluations++;
        onResult({ key: keys[i], arch, ...stored });
      });
    };
    await collect();
    let ids = want.size ? await this.submitEvaluations([...want.values()]) : [];
    while (want.size) {
      if (shouldStop?.()) {
        await this.withdraw(ids);
        throw new Cancelled();
      }
      this.throwIfFailed(ids);
      const allDone = ids.every((id) => this.jobs.get(id)?.state === 'done');
      await sleep(POLL_MS);
      await collect();
      // Workers write results before completing a job: done jobs with results missing
      // mean the results were lost (evicted, flushed). Those subnets are asked for again.
      if (allDone && want.size) {
        await this.forget(ids);
        ids = await this.submitEvaluations([...want.values()]);
      }
    }
    for (const id of ids) this.finished(id);
  }

  async trainAlone(
    arch: Arch,
    epochs: number,
    onProgress: (p: TrainAloneProgress) => void,
    shouldStop?: () => boolean,
  ): Promise<TrainedAlone> {
    const key = archKey(arch);
    const hash = aloneKey(this.ctx.recipe);
    const field = aloneField(key, epochs);
    const take = async (): Promise<TrainedAlone | undefined> => {
      const text = (await within(this.link.redis.hget(hash, field), 2_000)) ?? null;
      const [stored] = await this.authentic(hash, [field], [text]);
      if (!stored) return undefined;
      return {
        accuracy: stored.accuracy,
        loss: stored.loss,
        images: 'images' in stored ? stored.images : 0,
        seconds: stored.seconds,
        worker: stored.worker,
      };
    };
    const known = await take();
    if (known) return known;
    const id = trainAloneTaskId(this.ctx.recipe, key, epochs);
    const data: TrainAloneTask = {
      kind: 'train-alone',
      format: TASK_FORMAT,
      version: this.ctx.version,
      runDir: this.ctx.runDir,
      recipe: this.ctx.recipe,
      configPath: this.ctx.configPath,
      arch,
      epochs,
    };
    await this.submit(id, data, onProgress);
    for (;;) {
      if (shouldStop?.()) {
        await this.withdraw([id]);
        throw new Cancelled();
      }
      this.throwIfFailed([id]);
      const wasDone = this.jobs.get(id)?.state === 'done';
      await sleep(2 * POLL_MS);
      const done = await take();
      if (done) {
        this.evaluations++;
        this.finished(id);
        return done;
      }
      if (wasDone) {
        await this.forget([id]);
        await this.submit(id, data, onProgress);
      }
    }
  }

  /**
   * The stored results of `fields` of `hash` that may be believed: with a fleet secret, only
   * those whose MAC checks out. Any other is deleted (so the subnet is computed again) and
   * named in a warning: a result forged by a queue writer, or written by a worker with
   * another secret or none.
   */
  private async authentic(
    hash: string,
    fields: readonly string[],
    texts: readonly (string | null)[],
  ): Promise<(StoredAlone | StoredEvaluation | undefined)[]> {
    const out = texts.map((t) => parseStored(t));
    const secret = this.secret;
    if (!secret) return out;
    const forged: string[] = [];
    out.forEach((stored, i) => {
      if (!stored) return;
      const { mac, ...figures } = stored;
      if (verifyMac(secret, { ...resultPayload(hash, fields[i], figures), mac })) return;
      forged.push(fields[i]);
      out[i] = undefined;
    });
    if (forged.length) {
      await within(this.link.redis.hdel(hash, ...forged), 2_000);
      for (const f of forged)
        this.ctx.emit({
          type: 'log',
          time: Date.now(),
          level: 'warning',
          message: `The result for ${f} in Redis is not signed with this fleet's secret (forged, or from a worker with another secret): dropped, and computed again.`,
        });
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    // A refresh in flight would use the connections closed below.
    while (this.reporting) await sleep(20);
    await within(this.queue.close(), 2_000);
    await this.link.close();
  }

  /** Splits subnets into jobs about twice as many as the workers, so all are busy. */
  private async submitEvaluations(archs: Arch[]): Promise<string[]> {
    const usable = this.workers.filter((w) => w.version === this.ctx.version).length;
    const size = Math.min(
      MAX_BATCH,
      Math.max(1, Math.ceil(archs.length / (2 * Math.max(1, usable)))),
    );
    const ids: string[] = [];
    for (let i = 0; i < archs.length; i += size) {
      const batch = archs.slice(i, i + size);
      const data: EvaluateTask = {
        kind: 'evaluate',
        format: TASK_FORMAT,
        version: this.ctx.version,
        runDir: this.ctx.runDir,
        checkpointSha256: this.ctx.checkpointSha256,
        checkpointStep: this.ctx.checkpointStep,
        archs: batch,
      };
      const id = evaluateTaskId(this.ctx.checkpointSha256, batch.map(archKey));
      await this.submit(id, data);
      ids.push(id);
    }
    return ids;
  }

  /**
   * Adds a job under its id. One already there is left as it is (queued, running or done);
   * one that failed before (no worker could take it then) is retried.
   */
  private async submit(
    id: string,
    data: QueueTask,
    onProgress?: (p: TrainAloneProgress) => void,
  ): Promise<void> {
    this.firstSubmit ??= Date.now();
    const sent = this.secret ? signed(this.secret, { ...data, mac: undefined }) : data;
    const job = await this.queue.add(sent.kind, sent, { ...JOB_OPTIONS, jobId: id });
    if ((await job.getState()) === 'failed') await job.retry('failed');
    this.jobs.set(id, {
      id,
      name: data.kind,
      data: sent,
      state: 'queued',
      ...(onProgress ? { onProgress } : {}),
    });
  }

  private finished(id: string): void {
    const t = this.jobs.get(id);
    if (t) t.state = 'done';
  }

  private throwIfFailed(ids: readonly string[]): void {
    for (const id of ids) {
      const t = this.jobs.get(id);
      if (t?.state === 'failed')
        throw new RunError(`A worker failed task ${id}: ${t.failure ?? 'no reason given'}`);
    }
  }

  /** Removes finished jobs from the queue, so that the same ids can be added again. */
  private async forget(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await (await Job.fromId(this.queue, id))?.remove().catch(() => undefined);
      this.jobs.delete(id);
    }
  }

  /** Removes this search's jobs that no worker has started; running ones finish and are kept. */
  private async withdraw(ids: readonly string[]): Promise<void> {
    await within(
      Promise.all(
        ids.map(async (id) => {
          const job = await Job.fromId(this.queue, id);
          const state = await job?.getState();
          if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized'))
            await job.remove().catch(() => undefined);
        }),
      ),
      3_000,
    );
  }

  /** Refreshes the jobs' states and the workers, and emits an `executor` event. */
  private async report(): Promise<void> {
    const down = this.link.unreachableSince;
    // An outage is reported every time, even while a refresh waits for Redis.
    if (this.closed) return;
    if (down !== undefined) return this.ctx.emit(this.event(down));
    if (this.reporting) return;
    this.reporting = true;
    try {
      if ((await within(this.refresh(), 3_000)) !== undefined) this.ctx.emit(this.event(undefined));
    } catch {
      // Redis went away mid-refresh: the link reports the outage, the next refresh the rest.
    } finally {
      this.reporting = false;
    }
  }

  private async refresh(): Promise<true> {
    this.workers = await connectedWorkers(this.link.redis);
    for (const t of this.jobs.values()) {
      if (t.state === 'done' || t.state === 'failed') continue;
      const job = await Job.fromId(this.queue, t.id);
      if (!job) {
        // Gone while unfinished: Redis lost it (restarted without its data). Add it again.
        await this.queue.add(t.name, t.data, { ...JOB_OPTIONS, jobId: t.id });
        t.state = 'queued';
        continue;
      }
      const state = await job.getState();
      if (state === 'active') {
        t.state = 'running';
        const p = job.progress;
        if (t.onProgress && typeof p === 'object' && p !== null && 'steps' in p)
          t.onProgress(p as unknown as TrainAloneProgress);
      } else if (state === 'failed') {
        t.state = 'failed';
        t.failure = job.failedReason;
      } else t.state = state === 'completed' ? 'done' : 'queued';
    }
    return true;
  }

  private event(downSince: number | undefined): ExecutorEvent {
    const count = (s: JobState) => [...this.jobs.values()].filter((t) => t.state === s).length;
    const secs = this.firstSubmit ? (Date.now() - this.firstSubmit) / 1000 : 0;
    const message = this.problem(downSince);
    if (message && !this.warned.has(message)) {
      this.warned.add(message);
      this.ctx.emit({ type: 'log', time: Date.now(), level: 'warning', message });
    }
    return {
      type: 'executor',
      time: Date.now(),
      executor: this.name,
      workers: this.workers,
      queued: count('queued'),
      running: count('running'),
      done: count('done'),
      evaluationsPerSec: secs > 0 ? this.evaluations / secs : 0,
      ...(message ? { message } : {}),
    };
  }

  /** What keeps the jobs from running, in words; undefined when nothing does. */
  private problem(downSince: number | undefined): string | undefined {
    if (downSince !== undefined)
      return (
        `Redis at ${this.name} is unreachable${this.link.lastError ? ` (${this.link.lastError})` : ''}; ` +
        'waiting for it to come back.'
      );
    const open = [...this.jobs.values()].some((t) => t.state === 'queued' || t.state === 'running');
    if (!open) return undefined;
    if (!this.workers.length)
      return `No worker is connected to ${this.name}: start one with \`supernet worker --queue ${this.name}\`.`;
    const others = this.workers.filter((w) => w.version !== this.ctx.version);
    if (others.length === this.workers.length)
      return (
        `No connected worker runs Supernet Studio ${this.ctx.version}: ` +
        others.map((w) => `${w.id} runs ${w.version}`).join(', ') +
        '. Install the same version on the workers.'
      );
    const refusing = this.workers.filter((w) => w.state === 'refusing' && w.message);
    if (refusing.length === this.workers.length)
      return `Every worker refuses this search's jobs: ${refusing[0].id}: ${refusing[0].message}`;
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
