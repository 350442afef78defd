import type { Redis } from 'ioredis';
import { parseWorkerInfo, type WorkerInfo } from '#shared/executor';
import { WORKERS_KEY } from './queueTasks';

/**
 * Which workers are connected: each writes its WorkerInfo into one hash and keeps a key of
 * its own alive with a short expiry. A worker whose key expired (killed, machine gone) is
 * dropped from the hash by the next reader; no clocks are compared across machines.
 */
export const HEARTBEAT_MS = 2_000;
const ALIVE_MS = 10_000;
const aliveKey = (id: string): string => `${WORKERS_KEY}:alive:${id}`;

export async function announceWorker(redis: Redis, info: WorkerInfo): Promise<void> {
  await redis
    .multi()
    .hset(WORKERS_KEY, info.id, JSON.stringify(info))
    .set(aliveKey(info.id), '1', 'PX', ALIVE_MS)
    .exec();
}

export async function removeWorker(redis: Redis, id: string): Promise<void> {
  await redis.multi().hdel(WORKERS_KEY, id).del(aliveKey(id)).exec();
}

/** The workers alive now, by id. */
export async function connectedWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const all = await redis.hgetall(WORKERS_KEY);
  const ids = Object.keys(all);
  if (!ids.length) return [];
  const alive = await redis.mget(ids.map(aliveKey));
  const gone = ids.filter((_, i) => alive[i] === null);
  if (gone.length) await redis.hdel(WORKERS_KEY, ...gone);
  return ids
    .filter((_, i) => alive[i] !== null)
    .flatMap((id) => {
      try {
        const w = parseWorkerInfo(JSON.parse(all[id]));
        return w ? [w] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}
