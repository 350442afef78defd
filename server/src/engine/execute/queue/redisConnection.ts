import { Redis, type RedisOptions } from 'ioredis';
import { redactUrl } from '#shared/executor';
import { readRunTextSync } from '#shared/runFolder/safeRead';
import { RunError } from '../../runError';

/**
 * Connections to the queue's Redis. Every command waits through a Redis restart (no
 * retry limit, reconnecting every ≤ 1 s) instead of failing: a search or a worker rides
 * out an outage, and says so, rather than losing its jobs.
 */
const retryStrategy = (times: number): number => Math.min(100 * times, 1_000);

/** The queue's password from the environment (or a file it names): kept off the command line. */
export const PASSWORD_ENV = 'SUPERNET_REDIS_PASSWORD';
export const PASSWORD_FILE_ENV = 'SUPERNET_REDIS_PASSWORD_FILE';
/** A PEM file of the CA that signed a `rediss://` server's certificate (a private CA). */
export const CA_FILE_ENV = 'SUPERNET_REDIS_CA_FILE';

const readSecretFile = (file: string, what: string): string => {
  const text = readRunTextSync(file, 1 << 20);
  if (text === undefined)
    throw new RunError(`Cannot read ${what} ${file} (a regular file, no link).`);
  return text;
};

/**
 * Where and how to connect for a queue URL: a password from the environment
 * (SUPERNET_REDIS_PASSWORD or SUPERNET_REDIS_PASSWORD_FILE) with the URL's user name, if any
 * (an ACL user: `redis://fleet@host:6379`), and for `rediss://` the CA to check the server
 * against (SUPERNET_REDIS_CA_FILE; else the system's CAs). The server's certificate is
 * always checked. ioredis lets a URL's user-info win over its options, so with a password
 * from the environment the user-info moves out of the URL into the options.
 */
export function redisTarget(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): { url: string; options: RedisOptions } {
  const options: RedisOptions = {};
  const file = env[PASSWORD_FILE_ENV];
  const password =
    env[PASSWORD_ENV] ??
    (file ? readSecretFile(file, 'the Redis password file').trim() : undefined);
  if (password) {
    const u = new URL(url);
    if (u.username) options.username = decodeURIComponent(u.username);
    options.password = password;
    u.username = '';
    u.password = '';
    url = u.toString();
  }
  const ca = env[CA_FILE_ENV];
  if (url.startsWith('rediss:'))
    options.tls = ca
      ? { ca: readSecretFile(ca, 'the Redis CA file'), rejectUnauthorized: true }
      : {};
  return { url, options };
}

/** Options for BullMQ's own connections to `url`. */
export const bullConnection = (url: string) => {
  const target = redisTarget(url);
  return { url: target.url, ...target.options, maxRetriesPerRequest: null, retryStrategy };
};

/** A client for the keys outside BullMQ (results, the worker registry), with its last error. */
export class RedisLink {
  readonly redis: Redis;
  lastError: string | undefined;
  private downSince: number | undefined;

  constructor(
    readonly url: string,
    name: string,
  ) {
    const target = redisTarget(url);
    this.redis = new Redis(target.url, {
      ...target.options,
      maxRetriesPerRequest: null,
      retryStrategy,
      connectionName: name,
    });
    this.redis.on('error', (e: Error) => {
      this.lastError = e.message;
    });
    this.redis.on('close', () => (this.downSince ??= Date.now()));
    this.redis.on('ready', () => (this.downSince = undefined));
  }

  /** Since when Redis has been unreachable (ms since the epoch), or undefined while it answers. */
  get unreachableSince(): number | undefined {
    return this.redis.status === 'ready' ? undefined : (this.downSince ?? Date.now());
  }

  /** Resolves once Redis answers; a clear error when it does not within `ms`. */
  async reachable(ms = 5_000): Promise<void> {
    // A refusal (a wrong password: WRONGPASS, NOAUTH) is an answer too: said the same way.
    const answered = await within(this.redis.ping(), ms).catch((e: Error) => {
      this.lastError = e.message;
      return undefined;
    });
    if (answered === undefined) {
      this.redis.disconnect();
      if (/WRONGPASS|NOAUTH|NOPERM/.test(this.lastError ?? ''))
        throw new RunError(
          `Redis at ${redactUrl(this.url)} refused this connection (${this.lastError}). Give the ` +
            `queue's password in ${PASSWORD_ENV} or ${PASSWORD_FILE_ENV}, and an ACL user's name ` +
            'in the URL (redis://USER@HOST:PORT).',
        );
      throw new RunError(
        `Cannot reach Redis at ${redactUrl(this.url)}${this.lastError ? ` (${this.lastError})` : ''}. ` +
          'Start redis-server there, or set the executor to local (supernet.executor, --executor local).',
      );
    }
  }

  async close(): Promise<void> {
    await within(this.redis.quit(), 1_000);
    this.redis.disconnect();
  }
}

/** `p`'s value, or undefined when it takes longer than `ms` (it keeps running). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  // A command that fails after the wait is over has nobody left to tell: without this its
  // rejection would go unhandled and end the process.
  p.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
