import { num, obj, oneOf, optional, str, type Infer } from './schema/dsl';
import { readTolerant } from './schema/validate';
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
export const workerInfoSchema = obj('A worker in the registry.', {
  id: str('`host:pid`, or the name given with --name.'),
  host: str('Its host name.'),
  pid: num('Its engine process id.'),
  version: str('The version of Supernet Studio it runs: jobs of another version are refused.'),
  backend: str('The tfjs backend it computes with.'),
  threads: num('The threads it computes with.'),
  device: optional(
    str(
      'The device it times models for (`supernet worker --device NAME`); absent for a worker that evaluates.',
    ),
  ),
  state: oneOf('What it does.', {
    starting: 'Connecting.',
    idle: 'Waiting for a job.',
    busy: 'Working on a job.',
    refusing: 'Refusing jobs (another version, a run it cannot see).',
  }),
  job: optional(str('The job it works on.')),
  progress: optional(str('How far it got (`3/8 subnets`, `step 120/469`).')),
  jobsDone: num('Jobs finished since it started.'),
  message: optional(str('Why it refuses jobs, in words.')),
  since: num('When it started (ms since the epoch).'),
  seen: num('Its last heartbeat (ms since the epoch).'),
});
export type WorkerInfo = Infer<typeof workerInfoSchema>;

/** A registry entry, or undefined when it is not one (another tool's key, another format). */
export function parseWorkerInfo(x: unknown): WorkerInfo | undefined {
  const w = readTolerant(workerInfoSchema, x);
  return w.ok ? w.value : undefined;
}
