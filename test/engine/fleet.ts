// A worker fleet on this machine for the queue tests: a real redis-server on 127.0.0.1 (a
// free port, its own data folder, an append-only file so a restart keeps the queue) and
// real `supernet worker` processes, each a CLI driving an engine process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { parseEngineEvent, type EngineEvent } from '#shared/protocol/engine';
import { waitFor } from '../e2e/wait';

const root = path.resolve(__dirname, '../../..');
export const cli = path.join(root, 'bin', 'supernet.js');

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether Debian's redis-server is installed (`.ci/run` installs it). */
export const hasRedisServer = (): boolean =>
  spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * The ACL user a secured fleet connects as: the queue's keys only (`supernet:*`), every
 * command but the dangerous ones (FLUSHALL, CONFIG, KEYS, DEBUG, …), plus INFO, which
 * BullMQ reads for the server's version. The README's queue section gives the same line.
 */
export const FLEET_USER = 'supernet-fleet';
export const FLEET_ACL = ['on', '~supernet:*', '&*', '+@all', '-@dangerous', '+info'];

export class RedisServer {
  private child: ChildProcess | undefined;
  /** The URL the fleet is given: with `acl`, the ACL user's name and no password. */
  readonly url: string;
  /** With `acl`: the fleet user's password (the CLI reads it from SUPERNET_REDIS_PASSWORD). */
  readonly password: string | undefined;
  /** With `acl`: the default user's password, for the test's own inspection of the queue. */
  private readonly adminPassword: string | undefined;

  /**
   * A server on `port` keeping its data in `dir`. With `acl`, no command runs without a
   * password (`requirepass` on the default user) and the fleet connects as FLEET_USER.
   */
  constructor(
    readonly port: number,
    readonly dir: string,
    opts: { acl?: boolean } = {},
  ) {
    if (opts.acl) {
      this.password = `fleet-${randomBytes(12).toString('hex')}`;
      this.adminPassword = `admin-${randomBytes(12).toString('hex')}`;
    }
    this.url = `redis://${opts.acl ? `${FLEET_USER}@` : ''}127.0.0.1:${port}`;
    mkdirSync(dir, { recursive: true });
  }

  /** `base` with what a CLI process needs to reach this server (the fleet user's password). */
  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return this.password ? { ...base, SUPERNET_REDIS_PASSWORD: this.password } : base;
  }

  /** A BullMQ connection with the default user's rights, for a test that plays a queue writer. */
  get connection(): { host: string; port: number; password?: string } {
    return { host: '127.0.0.1', port: this.port, password: this.adminPassword };
  }

  async start(): Promise<void> {
    const auth = this.password
      ? [
          '--requirepass',
          this.adminPassword!,
          '--user',
          FLEET_USER,
          `>${this.password}`,
          ...FLEET_ACL,
        ]
      : [];
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        ...auth,
      ],
      { stdio: 'ignore' },
    );
    await waitFor('redis-server to answer', () => this.ping(), 10_000, 100);
  }

  /** Stops the server the way an admin or a crash-free restart does (SIGTERM: it flushes and exits). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  async client<T>(f: (r: Redis) => Promise<T>): Promise<T> {
    const r = new Redis({ ...this.connection, maxRetriesPerRequest: 1, lazyConnect: true });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return await f(r);
    } finally {
      r.disconnect();
    }
  }

  /** Removes every stored result, so the next search computes all again. */
  async forgetResults(): Promise<void> {
    await this.client(async (r) => {
      const keys = await r.keys('supernet:results:*');
      const alone = await r.keys('supernet:alone:*');
      if (keys.length + alone.length) await r.del(...keys, ...alone);
    });
  }

  private async ping(): Promise<true | undefined> {
    try {
      return (await this.client((r) => r.ping())) === 'PONG' ? true : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A CLI process whose `--json` events are collected as they come. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly events: EngineEvent[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private partial = '';

  constructor(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: 'pipe' });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (s: string) => {
      const lines = (this.partial + s).split('\n');
      this.partial = lines.pop() ?? '';
      for (const l of lines) {
        try {
          const e = parseEngineEvent(JSON.parse(l));
          if (e) this.events.push(e);
        } catch {
          // not an event line
        }
      }
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  /** The first event (from now on, or already seen) that `match` accepts. */
  waitForEvent<E extends EngineEvent>(
    what: string,
    match: (e: EngineEvent) => e is E,
    timeoutMs: number,
  ): Promise<E> {
    return waitFor(what, () => this.events.find(match), timeoutMs, 100);
  }

  count(match: (e: EngineEvent) => boolean): number {
    return this.events.filter(match).length;
  }
}

/**
 * `supernet worker --json` on the queue, named `name`, one evaluation thread, serving the runs
 * under its working folder `cwd` (where the tests keep their run folders).
 */
export function startWorker(
  url: string,
  name: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): CliProcess {
  return new CliProcess(
    ['worker', '--queue', url, '--name', name, '--threads', '1', '--runs', cwd, '--json'],
    cwd,
    env,
  );
}

export const isWorkerEvent = (e: EngineEvent): e is Extract<EngineEvent, { type: 'worker' }> =>
  e.type === 'worker';

/** Subnets a worker computed (not found done already), summed over its finished jobs. */
export const computedBy = (w: CliProcess): number =>
  w.events.reduce(
    (n, e) => n + (e.type === 'worker' && e.state === 'job-end' ? (e.job?.computed ?? 0) : 0),
    0,
  );

/** Every file under `dir`, as text: for asserting that a secret is in none of them. */
export const allText = (dir: string): string =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => readFileSync(path.join(d.parentPath, d.name), 'latin1'))
    .join('\n');
