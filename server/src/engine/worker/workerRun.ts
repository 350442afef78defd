import { availableParallelism, hostname } from 'node:os';
import * as path from 'node:path';
import { DelayedError, Worker, type Job } from 'bullmq';
import { archKey } from '#shared/arch';
import { redactUrl, type WorkerInfo } from '#shared/executor';
import { packageVersion } from '#shared/packageVersion';
import type { EngineEvent, WorkerCommand, WorkerEvent } from '#shared/protocol/engine';
import { selectBackend, type BackendPreference } from '../backend/selectBackend';
import type { DataOptions } from '../data/trainingData';
import { SubnetEvaluator } from '../evaluate/subnetEvaluator';
import {
  acceptTask,
  aloneField,
  aloneKey,
  KEY_PREFIX,
  QUEUE_NAME,
  RESULT_TTL_S,
  resultsKey,
  type EvaluateTask,
  type QueueTask,
  type StoredAlone,
  type StoredEvaluation,
  type TrainAloneTask,
} from '../execute/queue/queueTasks';
import {
  fleetSecret,
  macOf,
  resultPayload,
  UNSIGNED_WARNING,
  unsignedReason,
} from '../execute/queue/fleetAuth';
import { bullConnection, RedisLink, within } from '../execute/queue/redisConnection';
import { announceWorker, HEARTBEAT_MS, removeWorker } from '../execute/queue/workerRegistry';
import { trainStandalone } from '../standalone/trainStandalone';
import { Refusal, RunCache, type LoadedEvaluation } from './runCache';
import { DeviceJobRunner } from '../devices/deviceJobRunner';
import { deviceQueueName } from '../devices/deviceTasks';

export interface WorkerRunOptions extends DataOptions {
  emit: (e: EngineEvent) => void;
  /** True once the worker should stop taking jobs (it finishes the one it has). */
  shouldStop: () => boolean;
}

/**
 * A job's lock lasts this long and is renewed at half of it while the job runs; a worker
 * that stops renewing (killed, frozen, cut off) has its job taken back by the stalled-job
 * check that every live worker runs this often, and given to another worker.
 */
const LOCK_MS = 10_000;
const STALLED_CHECK_MS = 5_000;
/** A job refused here goes back to the queue for this long before any worker may take it. */
const REFUSED_DELAY_MS = 3_000;
const PROGRESS_MS = 500;

/** The version a worker claims: tests stand in an older worker with SUPERNET_FAULT_WORKER_VERSION. */
const workerVersion = (): string =>
  process.env.SUPERNET_FAULT_WORKER_VERSION || packageVersion() || 'unknown';

/**
 * `supernet worker`: takes evaluation and stand-alone training jobs from the queue one
 * at a time until told to stop (with `--device NAME`, timing tasks of that device's queue
 * instead: deviceJobRunner.ts), writing each result into Redis before completing the job.
 * It keeps its registry entry fresh (backend, threads, state, progress) so searches can
 * show it, and refuses jobs it cannot do right here (another version, a run it cannot
 * see, other weights), sending them back to the queue with the reason.
 */
export async function workerRun(cmd: WorkerCommand, o: WorkerRunOptions): Promise<void> {
  const device = cmd.device;
  // A device times ONNX models in onnxruntime and needs no tfjs backend; one thread unless
  // it declares more, as latency on this machine is measured.
  const backend = device
    ? 'onnxruntime'
    : (await selectBackend((cmd.backend ?? 'auto') as BackendPreference)).name;
  const threads = cmd.threads ?? (device ? 1 : availableParallelism());
  const info: WorkerInfo = {
    id: cmd.name ?? `${hostname()}:${process.pid}`,
    host: hostname(),
    pid: process.pid,
    version: workerVersion(),
    backend,
    threads,
    ...(device ? { device } : {}),
    state: 'starting',
    jobsDone: 0,
    since: Date.now(),
    seen: Date.now(),
  };
  const emit = (state: WorkerEvent['state'], extra: Partial<WorkerEvent> = {}) =>
    o.emit({ type: 'worker', time: Date.now(), state, worker: { ...info }, ...extra });
  const secret = fleetSecret();
  if (!secret)
    o.emit({ type: 'log', time: Date.now(), level: 'warning', message: UNSIGNED_WARNING });
  const link = new RedisLink(cmd.queue, `supernet-worker ${info.id}`);
  await link.reachable();
  const beat = async () => {
    info.seen = Date.now();
    await within(announceWorker(link.redis, info), HEARTBEAT_MS);
  };
  const cache = device
    ? undefined
    : new RunCache(o, cmd.runs ?? [path.resolve('.supernet', 'runs')]);
  const jobs = cache
    ? new JobRunner(link, info, cache, threads, emit, secret)
    : new DeviceJobRunner(link, info, device as string, threads, emit, secret);
  const queueName = device ? deviceQueueName(device) : QUEUE_NAME;
  const worker = new Worker<QueueTask>(queueName, (job, token) => jobs.run(job, token), {
    connection: bullConnection(cmd.queue),
    prefix: KEY_PREFIX,
    concurrency: 1,
    lockDuration: LOCK_MS,
    stalledInterval: STALLED_CHECK_MS,
    maxStalledCount: 3,
    autorun: false,
  });
  let lost = false;
  worker.on('error', (e) => {
    if (lost || link.unreachableSince === undefined) return;
    lost = true;
    emit('disconnected', {
      message: `lost Redis at ${redactUrl(cmd.queue)} (${e.message}); reconnecting`,
    });
  });
  const heartbeat = setInterval(() => {
    if (lost && link.unreachableSince === undefined) {
      lost = false;
      emit('connected', { message: 'Redis is back' });
    }
    void beat();
  }, HEARTBEAT_MS);
  try {
    info.state = 'idle';
    await beat();
    emit('connected', { message: `connected to ${redactUrl(cmd.queue)}` });
    void worker.run().catch((e: Error) => emit('disconnected', { message: e.message }));
    while (!o.shouldStop()) await new Promise((r) => setTimeout(r, 200));
    // Finish the job in hand; a second interrupt kills the process and the job is retried elsewhere.
    if (!(await closeWhileReachable(worker, link)))
      emit('disconnected', {
        message: `Redis unreachable for ${LOCK_MS / 1000} s while stopping: left without finishing; the queue gives the task to another worker`,
      });
  } finally {
    clearInterval(heartbeat);
    await within(removeWorker(link.redis, info.id), 2_000);
    await link.close();
    await jobs.close();
    cache?.dispose();
    emit('stopped', { message: `${info.jobsDone} jobs done` });
  }
}

/**
 * Closes the worker, finishing the job in hand, for as long as Redis answers. Once Redis
 * has been gone longer than a job lock lasts, that job is another worker's anyway: the
 * worker is closed without waiting (false), so a worker whose driver and Redis both went
 * away does not wait for them forever.
 */
async function closeWhileReachable(worker: Worker<QueueTask>, link: RedisLink): Promise<boolean> {
  const closed = worker.close().then(() => true);
  for (;;) {
    if (await within(closed, 500)) return true;
    const since = link.unreachableSince;
    if (since !== undefined && Date.now() - since > LOCK_MS) {
      await within(worker.close(true), 1_000);
      return false;
    }
  }
}

/** Runs the jobs of one worker: one at a time, refusing what it cannot do here. */
class JobRunner {
  constructor(
    private readonly link: RedisLink,
    private readonly info: WorkerInfo,
    private readonly cache: RunCache,
    private readonly threads: number,
    private readonly emit: (s: WorkerEvent['state'], extra?: Partial<WorkerEvent>) => void,
    /** The fleet's secret: only jobs signed with it are run, and results go out signed. */
    private readonly secret: Buffer | undefined,
  ) {}

  /** The stored result, signed together with where it is kept. */
  private seal<T extends StoredEvaluation>(hash: string, field: string, stored: T): T {
    return this.secret
      ? { ...stored, mac: macOf(this.secret, resultPayload(hash, field, stored)) }
      : stored;
  }

  private evaluator: { run: LoadedEvaluation; evaluator: SubnetEvaluator } | undefined;

  async run(job: Job<QueueTask>, token?: string): Promise<{ subnets: number }> {
    const forged = unsignedReason(this.secret, job.data);
    if (forged) return this.refuse(job, token, forged);
    const accepted = acceptTask(job.data, this.info.version);
    if (typeof accepted === 'string') return this.refuse(job, token, accepted);
    const subnets = accepted.kind === 'evaluate' ? accepted.archs.length : 1;
    const id = job.id ?? '?';
    const t0 = performance.now();
    this.info.state = 'busy';
    this.info.job = id;
    delete this.info.message;
    this.emit('job-start', { job: { id, kind: accepted.kind, subnets } });
    try {
      const computed =
        accepted.kind === 'evaluate'
          ? await this.evaluate(job, accepted)
          : await this.trainAlone(job, accepted);
      this.info.jobsDone++;
      const seconds = (performance.now() - t0) / 1000;
      this.emit('job-end', { job: { id, kind: accepted.kind, subnets, seconds, computed } });
      return { subnets };
    } catch (e) {
      if (e instanceof Refusal) return this.refuse(job, token, e.message, e.detail);
      throw e;
    } finally {
      if (this.info.state === 'busy') this.info.state = 'idle';
      delete this.info.job;
      delete this.info.progress;
    }
  }

  /** Sends the job back to the queue for another worker, and says why. */
  private async refuse(
    job: Job<QueueTask>,
    token: string | undefined,
    why: string,
    detail?: string,
  ): Promise<never> {
    // The registry (Redis) gets the reason alone; the detail only this worker's own output.
    this.info.state = 'refusing';
    this.info.message = why;
    this.emit('refused', { message: `task ${job.id}: ${why}${detail ? ` (${detail})` : ''}` });
    await job.moveToDelayed(Date.now() + REFUSED_DELAY_MS, token);
    throw new DelayedError();
  }

  /**
   * Evaluates the job's subnets not done yet, on the worker's threads (SubnetEvaluator); each
   * result is stored as it comes. Resolves to how many it computed.
   */
  private async evaluate(job: Job<QueueTask>, data: EvaluateTask): Promise<number> {
    const run = await this.cache.evaluation(data);
    const hash = resultsKey(data.checkpointSha256);
    const redis = this.link.redis;
    // An earlier attempt (a worker killed mid-job) may have done part of it.
    const done = await redis.hmget(hash, ...data.archs.map(archKey));
    const todo = data.archs.filter((_, i) => done[i] === null);
    const evaluator = this.evaluatorFor(run);
    const stores: Promise<unknown>[] = [];
    let finished = data.archs.length - todo.length;
    let t0 = performance.now();
    await evaluator.evaluateAll(todo, (arch, evaluation) => {
      const stored: StoredEvaluation = {
        accuracy: evaluation.accuracy,
        loss: evaluation.loss,
        worker: this.info.id,
        seconds: (performance.now() - t0) / 1000,
      };
      t0 = performance.now();
      finished++;
      this.info.progress = `${finished}/${data.archs.length} subnets`;
      stores.push(
        redis
          .multi()
          .hset(hash, archKey(arch), JSON.stringify(this.seal(hash, archKey(arch), stored)))
          .expire(hash, RESULT_TTL_S)
          .exec(),
        job.updateProgress({ done: finished, of: data.archs.length }),
      );
    });
    await Promise.all(stores);
    return todo.length;
  }

  /** One evaluator (and its evaluation threads) per loaded run: the next run's replaces it. */
  private evaluatorFor(run: LoadedEvaluation): SubnetEvaluator {
    if (this.evaluator?.run !== run) {
      void this.evaluator?.evaluator.close();
      this.evaluator = {
        run,
        evaluator: new SubnetEvaluator(run.loaded.net, run.data, run.calibration, this.threads),
      };
    }
    return this.evaluator.evaluator;
  }

  async close(): Promise<void> {
    await this.evaluator?.evaluator.close();
  }

  private async trainAlone(job: Job<QueueTask>, data: TrainAloneTask): Promise<number> {
    const hash = aloneKey(data.recipe);
    const field = aloneField(archKey(data.arch), data.epochs);
    if (await this.link.redis.hexists(hash, field)) return 0;
    const { config, data: images } = await this.cache.recipe(data);
    const t0 = performance.now();
    let last = 0;
    const evaluation = await trainStandalone(
      config,
      data.arch,
      images,
      data.epochs,
      (step, steps, loss) => {
        this.info.progress = `step ${step}/${steps}`;
        if (Date.now() - last < PROGRESS_MS && step < steps) return;
        last = Date.now();
        job.updateProgress({ step, steps, loss }).catch(() => undefined);
      },
      undefined,
      this.threads,
    );
    const stored: StoredAlone = {
      accuracy: evaluation.accuracy,
      loss: evaluation.loss,
      images: evaluation.images,
      worker: this.info.id,
      seconds: (performance.now() - t0) / 1000,
    };
    await this.link.redis
      .multi()
      .hset(hash, field, JSON.stringify(this.seal(hash, field, stored)))
      .expire(hash, RESULT_TTL_S)
      .exec();
    return 1;
  }
}
