import { DelayedError, type Job } from 'bullmq';
import type { WorkerInfo } from '#shared/executor';
import type { WorkerEvent } from '#shared/protocol/engine';
import { macOf, resultPayload, unsignedReason } from '../execute/queue/fleetAuth';
import type { RedisLink } from '../execute/queue/redisConnection';
import {
  acceptTimingTask,
  RESULT_TTL_S,
  timingField,
  timingsKey,
  type StoredTiming,
} from './deviceTasks';
import { timeModels } from './timeModels';

/** A refused task goes back to its queue for this long. */
const REFUSED_DELAY_MS = 3_000;

/**
 * The jobs of a device worker: timing tasks of its own device, one at a time, each model's
 * timing written to Redis (signed) as soon as it is known, so a worker killed mid-task
 * leaves what it timed and its successor times only the rest. It reads nothing but the
 * task: no run folder, no data.
 */
export class DeviceJobRunner {
  constructor(
    private readonly link: RedisLink,
    private readonly info: WorkerInfo,
    private readonly device: string,
    private readonly threads: number,
    private readonly emit: (s: WorkerEvent['state'], extra?: Partial<WorkerEvent>) => void,
    private readonly secret: Buffer | undefined,
  ) {}

  async run(job: Job<unknown>, token?: string): Promise<{ subnets: number }> {
    const forged = unsignedReason(this.secret, job.data);
    if (forged) return this.refuse(job, token, forged);
    const accepted = acceptTimingTask(job.data, this.info.version, this.device);
    if (typeof accepted === 'string') return this.refuse(job, token, accepted);
    const { task, models } = accepted;
    const id = job.id ?? '?';
    const t0 = performance.now();
    this.info.state = 'busy';
    this.info.job = id;
    delete this.info.message;
    this.emit('job-start', { job: { id, kind: 'time', subnets: models.length } });
    try {
      const hash = timingsKey(this.device);
      const fields = task.models.map((m) => timingField(m.sha256, task.settings.batch));
      const done = await this.link.redis.hmget(hash, ...fields);
      const todo = models.flatMap((bytes, i) => (done[i] === null ? [{ bytes, i }] : []));
      // Timed a few at a time: each batch's results are stored before the next starts.
      for (let at = 0; at < todo.length; at += 4) {
        const part = todo.slice(at, at + 4);
        const timings = await timeModels(
          part.map((p) => p.bytes),
          task.settings,
          this.threads,
        );
        const multi = this.link.redis.multi();
        part.forEach((p, k) => {
          const stored: StoredTiming = { ...timings[k], worker: this.info.id };
          const sealed = this.secret
            ? { ...stored, mac: macOf(this.secret, resultPayload(hash, fields[p.i], stored)) }
            : stored;
          multi.hset(hash, fields[p.i], JSON.stringify(sealed));
        });
        await multi.expire(hash, RESULT_TTL_S).exec();
        this.info.progress = `${Math.min(at + 4, todo.length)}/${todo.length} models`;
        await job.updateProgress({ done: at + part.length, of: todo.length });
      }
      this.info.jobsDone++;
      const seconds = (performance.now() - t0) / 1000;
      this.emit('job-end', {
        job: { id, kind: 'time', subnets: models.length, seconds, computed: todo.length },
      });
      return { subnets: models.length };
    } finally {
      if (this.info.state === 'busy') this.info.state = 'idle';
      delete this.info.job;
      delete this.info.progress;
    }
  }

  private async refuse(job: Job<unknown>, token: string | undefined, why: string): Promise<never> {
    this.info.state = 'refusing';
    this.info.message = why;
    this.emit('refused', { message: `task ${job.id}: ${why}` });
    await job.moveToDelayed(Date.now() + REFUSED_DELAY_MS, token);
    throw new DelayedError();
  }

  async close(): Promise<void> {}
}
