/**
 * Where search and ranking jobs run: `local` (in the engine process) or a queue on Redis
 * (`redis://HOST:PORT`, `rediss://` for TLS, optionally `redis://:PASSWORD@HOST:PORT/DB`)
 * that `supernet worker` processes take them from. The setting `supernet.executor` and the
 * CLI's `--executor` hold one of these strings.
 */
export type ExecutorSpec = { kind: 'local' } | { kind: 'queue'; url: string };

/** The spec a setting or an option names, or why it names none. */
export function parseExecutor(text: string): ExecutorSpec | string {
  const s = text.trim();
  if (s === '' || s === 'local') return { kind: 'local' };
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    // Not echoed: a mistyped option may hold a password.
    return 'the executor is neither local nor a URL: use local or redis://HOST:PORT';
  }
  const shown = redactUrl(s);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return `'${shown}' is not an executor: use local or redis://HOST:PORT (${url.protocol} is not a Redis URL)`;
  if (!url.hostname) return `'${shown}' names no host: use redis://HOST:PORT`;
  if (url.pathname && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname))
    return `'${shown}': the path of a Redis URL is a database number (redis://HOST:PORT/0)`;
  return { kind: 'queue', url: s };
}

/**
 * The URL as logs, events and the editor show it: no user name or password (user-info
 * masked) and no query (ioredis reads `?password=` too); a text that is not a URL is not
 * echoed at all, since it may be a credential typed in the wrong place.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '(a URL that does not parse)';
  }
  const auth = url.username || url.password ? '***@' : '';
  const port = url.port ? `:${url.port}` : '';
  const db = url.pathname && url.pathname !== '/' ? url.pathname : '';
  return `${url.protocol}//${auth}${url.hostname}${port}${db}${url.search ? '?***' : ''}`;
}

/** One worker as the queue's registry describes it (it rewrites its entry every few seconds). */
export interface WorkerInfo {
  /** `host:pid`, or the name given with --name. */
  id: string;
  host: string;
  pid: number;
  /** The version of Supernet Studio it runs: jobs of another version are refused. */
  version: string;
  /** The tfjs backend and the threads it computes with. */
  backend: string;
  threads: number;
  state: 'starting' | 'idle' | 'busy' | 'refusing';
  /** The job it works on, and how far it got (`3/8 subnets`, `step 120/469`). */
  job?: string;
  progress?: string;
  /** Jobs finished since it started. */
  jobsDone: number;
  /** Why it refuses jobs, in words. */
  message?: string;
  since: number;
  /** Its last heartbeat (ms since the epoch). */
  seen: number;
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const STATES = new Set(['starting', 'idle', 'busy', 'refusing']);

/** A registry entry, or undefined when it is not one (another tool's key, another format). */
export function parseWorkerInfo(x: unknown): WorkerInfo | undefined {
  if (!isObj(x) || !isStr(x.id) || !isStr(x.host) || !isNum(x.pid) || !isStr(x.version))
    return undefined;
  if (!isStr(x.backend) || !isNum(x.threads) || !isStr(x.state) || !STATES.has(x.state))
    return undefined;
  if (!isNum(x.jobsDone) || !isNum(x.since) || !isNum(x.seen)) return undefined;
  const w: WorkerInfo = {
    id: x.id,
    host: x.host,
    pid: x.pid,
    version: x.version,
    backend: x.backend,
    threads: x.threads,
    state: x.state as WorkerInfo['state'],
    jobsDone: x.jobsDone,
    since: x.since,
    seen: x.seen,
  };
  if (isStr(x.job)) w.job = x.job;
  if (isStr(x.progress)) w.progress = x.progress;
  if (isStr(x.message)) w.message = x.message;
  return w;
}
