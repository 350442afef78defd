// The queue executor against the real thing: redis-server on 127.0.0.1 with its own data
// folder, `supernet worker` processes, and searches and ranking checks of the tiny example
// sent to them. The fronts must equal the local executor's; faults (a worker SIGKILLed
// mid-job, Redis restarted, the search itself stopped and restarted, a worker of another
// version) must cost no candidate and count none twice.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { packageVersion } from '#shared/packageVersion';
import type { EngineEvent } from '#shared/protocol/engine';
import type { Candidate, ParetoFile, RankFile } from '#shared/runFolder/records';
import { processAlive } from '#shared/runFolder/runLock';
import { Queue } from 'bullmq';
import { parseArchKey } from '#shared/arch';
import { resolveConfig } from '../../server/src/config/resolve';
import { archInSpace } from '../../server/src/space/arch';
import {
  TASK_FORMAT,
  KEY_PREFIX,
  QUEUE_NAME,
  WORKERS_KEY,
} from '../../server/src/engine/execute/queue/queueTasks';
import { readCheckpoint } from '../../server/src/engine/storage/checkpoint';
import { waitFor } from '../e2e/wait';
import {
  allText,
  CliProcess,
  cli,
  FLEET_USER,
  computedBy,
  freePort,
  hasRedisServer,
  isWorkerEvent,
  RedisServer,
  startWorker,
} from './fleet';

const root = path.resolve(__dirname, '../../..');
const BUDGET = 60;
const started = (e: EngineEvent) => e.type === 'worker' && e.state === 'job-start';
const ended = (e: EngineEvent) => e.type === 'worker' && e.state === 'job-end';

const candidatesOf = (runDir: string): Candidate[] =>
  readFileSync(path.join(runDir, 'candidates.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Candidate);
const paretoOf = (runDir: string): ParetoFile =>
  JSON.parse(readFileSync(path.join(runDir, 'pareto.json'), 'utf8')) as ParetoFile;

/** Every key of candidates.jsonl is there once. */
function assertEachOnce(runDir: string): Candidate[] {
  const all = candidatesOf(runDir);
  const keys = all.map((c) => c.key);
  assert.equal(new Set(keys).size, keys.length, 'a subnet is in candidates.jsonl twice');
  return all;
}

void describe('search and ranking on a worker fleet over Redis', { timeout: 900_000 }, () => {
  let dir: string;
  let runs: string;
  let trained: string;
  let redis: RedisServer;
  const workers: CliProcess[] = [];
  /** A fresh copy of the trained run: nothing evaluated yet. */
  let copies = 0;
  const freshRun = (): { runs: string; runDir: string; id: string } => {
    const to = path.join(dir, `runs-${++copies}`);
    const id = path.basename(trained);
    cpSync(trained, path.join(to, id), { recursive: true });
    return { runs: to, runDir: path.join(to, id), id };
  };
  const cliRun = (args: string[], env: NodeJS.ProcessEnv = redis.env()) =>
    spawnSync(process.execPath, [cli, ...args], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 300_000,
    });

  before(async () => {
    assert.ok(
      hasRedisServer(),
      'redis-server is not installed: apt-get install redis-server (CI installs it in .ci/run)',
    );
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-fleet-'));
    runs = path.join(dir, 'runs');
    const config = path.join(dir, 'tiny.supernet.yaml');
    writeFileSync(config, readFileSync(path.join(root, 'examples', 'tiny.supernet.yaml')));
    const r = cliRun(['train', config, '--steps', '60', '--runs', runs, '--json'], process.env);
    assert.equal(r.status, 0, r.stderr);
    trained = path.join(runs, readdirSync(runs)[0]);
    // The queue as the README says to run it: a password on the default user, the fleet as an
    // ACL user limited to the queue's keys, its password from the environment.
    redis = new RedisServer(await freePort(), path.join(dir, 'redis'), { acl: true });
    await redis.start();
    for (const name of ['w1', 'w2', 'w3'])
      workers.push(startWorker(redis.url, name, dir, redis.env()));
    for (const w of workers)
      await w.waitForEvent(
        'a worker to connect',
        (e): e is Extract<typeof e, { type: 'worker' }> =>
          isWorkerEvent(e) && e.state === 'connected',
        60_000,
      );
  });

  after(async () => {
    for (const w of workers) {
      const pid = w.events.find(isWorkerEvent)?.worker.pid;
      w.child.kill('SIGKILL');
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void test('three workers find the same front and hypervolume as the local executor', async () => {
    const local = freshRun();
    const l = cliRun([
      'search',
      local.id,
      '--runs',
      local.runs,
      '--budget',
      String(BUDGET),
      '--seed',
      '3',
    ]);
    assert.equal(l.status, 0, l.stderr);
    const queued = freshRun();
    const search = new CliProcess(
      [
        'search',
        queued.id,
        '--runs',
        queued.runs,
        '--budget',
        String(BUDGET),
        '--seed',
        '3',
      ].concat(['--executor', redis.url, '--json']),
      dir,
      redis.env(),
    );
    assert.equal(await search.exited, 0, search.stderr);

    const a = paretoOf(local.runDir);
    const b = paretoOf(queued.runDir);
    assert.equal(b.evaluations, BUDGET);
    assert.equal(b.hypervolume, a.hypervolume);
    assert.deepEqual(
      b.front.map((f) => [f.key, f.accuracy]),
      a.front.map((f) => [f.key, f.accuracy]),
    );
    // The same subnets, with the same figures, each evaluated once, by the workers.
    const byKey = new Map(candidatesOf(local.runDir).map((c) => [c.key, c]));
    const fleet = assertEachOnce(queued.runDir);
    assert.equal(fleet.length, byKey.size);
    for (const c of fleet) {
      assert.equal(c.accuracy, byKey.get(c.key)?.accuracy, c.key);
      assert.ok(
        c.worker && ['w1', 'w2', 'w3'].includes(c.worker),
        `worker of ${c.key}: ${c.worker}`,
      );
    }
    assert.ok(new Set(fleet.map((c) => c.worker)).size >= 2, 'the jobs went to one worker only');
    const seen = search.events.filter((e) => e.type === 'executor');
    assert.ok(seen.some((e) => e.type === 'executor' && e.workers.length === 3 && e.done > 0));
    // The fleet's password is in no output, event or file of the run.
    const printed = [search.stderr, JSON.stringify(search.events), allText(queued.runDir)]
      .concat(workers.map((w) => w.stderr + JSON.stringify(w.events)))
      .join('\n');
    assert.ok(!printed.includes(redis.password!), 'the queue password was printed');
  });

  void test('a password in the URL (user-info and query) is printed nowhere; without one the queue refuses', () => {
    const pw = redis.password!;
    const port = new URL(redis.url).port;
    const url = `redis://${FLEET_USER}:${pw}@127.0.0.1:${port}/0?password=${pw}`;
    const run = freshRun();
    const s = cliRun(
      ['search', run.id, '--runs', run.runs, '--budget', '8', '--executor', url, '--json'],
      process.env,
    );
    assert.equal(s.status, 0, s.stderr);
    assert.equal(candidatesOf(run.runDir).length, 8);
    assert.match(s.stdout, /redis:\/\/\*\*\*@127\.0\.0\.1:\d+\/0\?\*\*\*/, 'the URL as shown');
    for (const [what, text] of [
      ['the search output', s.stdout + s.stderr],
      ['the run folder', allText(run.runDir)],
      ['the workers', workers.map((w) => w.stderr + JSON.stringify(w.events)).join('\n')],
    ])
      assert.ok(!text.includes(pw), `the password is in ${what}`);

    const r = cliRun(
      ['search', run.id, '--runs', run.runs, '--budget', '8', '--executor', redis.url],
      process.env,
    );
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+ refused this connection \(WRONGPASS.*SUPERNET_REDIS_PASSWORD/,
    );
    // Said once, not once by the engine's log and again by the search's end.
    assert.equal(r.stderr.split('refused this connection').length, 2, r.stderr);
  });

  void test('a worker SIGKILLed mid-job and a Redis restart lose no candidate and count none twice', async () => {
    await redis.forgetResults();
    const run = freshRun();
    const search = new CliProcess(
      ['search', run.id, '--runs', run.runs, '--budget', String(BUDGET), '--seed', '4'].concat([
        '--executor',
        redis.url,
        '--json',
      ]),
      dir,
      redis.env(),
    );
    // Kill the first worker seen busy, in the middle of its job.
    const busy = await search.waitForEvent(
      'a busy worker',
      (e): e is Extract<typeof e, { type: 'executor' }> =>
        e.type === 'executor' && e.workers.some((w) => w.state === 'busy') && e.done >= 1,
      120_000,
    );
    const victim = busy.workers.find((w) => w.state === 'busy')!;
    process.kill(victim.pid, 'SIGKILL');
    const killed = workers.findIndex((w) =>
      w.events.some((e) => isWorkerEvent(e) && e.worker.pid === victim.pid),
    );
    workers.splice(killed, 1)[0].child.kill('SIGKILL');
    // Then Redis goes away and comes back (with its append-only file) while jobs are out.
    const before = search.count((e) => e.type === 'candidate');
    await search.waitForEvent(
      'more candidates after the kill',
      (e): e is Extract<typeof e, { type: 'candidate' }> =>
        e.type === 'candidate' && search.count((x) => x.type === 'candidate') >= before + 5,
      120_000,
    );
    await redis.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    await redis.start();

    assert.equal(await search.exited, 0, search.stderr);
    const end = search.events.at(-1);
    assert.ok(end?.type === 'search-end' && end.status === 'completed', JSON.stringify(end));
    const all = assertEachOnce(run.runDir);
    assert.equal(paretoOf(run.runDir).evaluations, BUDGET);
    assert.equal(all.length, BUDGET);
    assert.ok(
      all.some((c) => c.worker !== victim.id),
      'the other workers took over the killed worker’s jobs',
    );
    // Redis was unreachable for a while, and the search said so.
    assert.ok(
      search.events.some((e) => e.type === 'executor' && /unreachable/.test(e.message ?? '')),
      'no executor event reported the Redis outage',
    );
    // The killed worker is gone from the registry; a replacement joins for the next tests.
    workers.push(startWorker(redis.url, 'w4', dir, redis.env()));
  });

  void test('a search stopped with jobs in flight, then restarted, reuses what the workers finished', async () => {
    await redis.forgetResults();
    const computedBefore = workers.reduce((n, w) => n + computedBy(w), 0);
    const run = freshRun();
    const args = [
      'search',
      run.id,
      '--runs',
      run.runs,
      '--budget',
      String(BUDGET),
      '--seed',
      '5',
    ].concat(['--executor', redis.url, '--json']);
    const first = new CliProcess(args, dir, redis.env());
    await first.waitForEvent(
      'ten candidates',
      (e): e is Extract<typeof e, { type: 'candidate' }> =>
        e.type === 'candidate' && first.count((x) => x.type === 'candidate') >= 10,
      120_000,
    );
    first.child.kill('SIGINT');
    assert.equal(await first.exited, 130, first.stderr);
    const recorded = candidatesOf(run.runDir).length;
    assert.ok(recorded >= 10 && recorded < BUDGET, `${recorded} recorded`);
    // The jobs already running when the search stopped are finished by their workers.
    await waitFor(
      'the workers to finish their jobs',
      () => (workers.every((w) => w.count(started) === w.count(ended)) ? true : undefined),
      60_000,
      200,
    );

    const second = new CliProcess(args, dir, redis.env());
    assert.equal(await second.exited, 0, second.stderr);
    const all = assertEachOnce(run.runDir);
    assert.equal(all.length, BUDGET);
    const reused = second.events.filter((e) => e.type === 'candidate' && e.cached).length;
    assert.equal(reused, recorded, 'the restarted search did not reuse candidates.jsonl');
    // Over both searches the fleet computed each subnet exactly once: what finished after
    // the stop came from Redis, not from a second evaluation.
    const computed = workers.reduce((n, w) => n + computedBy(w), 0) - computedBefore;
    assert.equal(computed, BUDGET);
  });

  void test('a worker of another version refuses jobs and says why; the search waits for one that fits', async () => {
    await redis.forgetResults();
    // Only an old worker is left on the queue.
    for (const w of workers) w.child.kill('SIGINT');
    await Promise.all(workers.map((w) => w.exited));
    workers.length = 0;
    const old = startWorker(
      redis.url,
      'old',
      dir,
      redis.env({ ...process.env, SUPERNET_FAULT_WORKER_VERSION: '0.0.1-old' }),
    );
    workers.push(old);
    const run = freshRun();
    const search = new CliProcess(
      ['search', run.id, '--runs', run.runs, '--budget', '8', '--executor', redis.url, '--json'],
      dir,
      redis.env(),
    );
    const refused = await old.waitForEvent(
      'the old worker to refuse a job',
      (e): e is Extract<typeof e, { type: 'worker' }> => isWorkerEvent(e) && e.state === 'refused',
      60_000,
    );
    const version = (packageVersion() ?? '').replace(/\./g, '\\.');
    assert.match(
      refused.message ?? '',
      new RegExp(`Supernet Studio ${version} .*this worker runs 0\\.0\\.1-old`),
    );
    const said = await search.waitForEvent(
      'the search to say no worker fits',
      (e): e is Extract<typeof e, { type: 'log' }> =>
        e.type === 'log' && /No connected worker runs Supernet Studio/.test(e.message),
      30_000,
    );
    assert.match(said.message, /old runs 0\.0\.1-old/);
    workers.push(startWorker(redis.url, 'w5', dir, redis.env()));
    assert.equal(await search.exited, 0, search.stderr);
    const all = assertEachOnce(run.runDir);
    assert.ok(
      all.every((c) => c.worker === 'w5'),
      'the old worker evaluated a subnet',
    );
  });

  void test('a ranking check trains its subnets alone on the workers, as the local executor does', async () => {
    const local = freshRun();
    const args = ['rank', local.id, '--subnets', '3', '--epochs', '0.05', '--seed', '2'];
    // The workers run one thread each (startWorker); stand-alone steps split their batch
    // across the threads, which is the same training up to float rounding only, so the
    // local side runs on one thread too for the numbers to be the same bits.
    const l = cliRun([...args, '--runs', local.runs], {
      ...process.env,
      SUPERNET_MAX_THREADS: '1',
    });
    assert.equal(l.status, 0, l.stderr);
    workers.push(startWorker(redis.url, 'w6', dir, redis.env()));
    const queued = freshRun();
    const r = cliRun([...args, '--runs', queued.runs, '--executor', redis.url]);
    assert.equal(r.status, 0, r.stderr);
    const a = JSON.parse(readFileSync(path.join(local.runDir, 'rank.json'), 'utf8')) as RankFile;
    const b = JSON.parse(readFileSync(path.join(queued.runDir, 'rank.json'), 'utf8')) as RankFile;
    assert.deepEqual(
      b.subnets.map((s) => [s.key, s.supernetAccuracy, s.standaloneAccuracy]),
      a.subnets.map((s) => [s.key, s.supernetAccuracy, s.standaloneAccuracy]),
    );
    assert.equal(b.kendallTau, a.kendallTau);
  });
  void test('with a fleet secret: a forged result is dropped and computed again, an unsigned task refused', async () => {
    await redis.forgetResults();
    for (const w of workers) w.child.kill('SIGINT');
    await Promise.all(workers.map((w) => w.exited));
    workers.length = 0;
    const secret = 'the fleet secret of this test';
    const env = redis.env({ ...process.env, SUPERNET_FLEET_SECRET: secret });
    const signedWorker = startWorker(redis.url, 'signed', dir, env);
    workers.push(signedWorker);
    // What the search evaluates, from the same search run locally.
    const local = freshRun();
    const args = ['--budget', '8', '--seed', '4', '--json'];
    assert.equal(cliRun(['search', local.id, '--runs', local.runs, ...args]).status, 0);
    const truth = candidatesOf(local.runDir);
    const sha = readCheckpoint(path.join(local.runDir, 'checkpoint', 'checkpoint.bin')).sha256;
    // A queue writer plants flattering results for all of them.
    await redis.client((r) =>
      r.hset(
        `${KEY_PREFIX}:results:${sha}`,
        Object.fromEntries(
          truth.map((c) => [
            c.key,
            JSON.stringify({ accuracy: 0.999, loss: 0, worker: 'forger', seconds: 0 }),
          ]),
        ),
      ),
    );
    const run = freshRun();
    const search = cliRun(
      ['search', run.id, '--runs', run.runs, ...args, '--executor', redis.url],
      env,
    );
    assert.equal(search.status, 0, search.stderr);
    assert.match(
      search.stdout,
      /is not signed with this fleet's secret .*: dropped, and computed again/,
    );
    const got = candidatesOf(run.runDir);
    assert.ok(
      got.every((c) => c.worker === 'signed'),
      'a forged result was believed',
    );
    assert.deepEqual(
      got.map((c) => [c.key, c.accuracy]).sort(),
      truth.map((c) => [c.key, c.accuracy]).sort(),
    );
    // A task without a signature is refused, and says why.
    const queue = new Queue(QUEUE_NAME, {
      connection: redis.connection,
      prefix: KEY_PREFIX,
    });
    try {
      const job = {
        format: TASK_FORMAT,
        version: packageVersion() ?? '',
        kind: 'evaluate',
        runDir: run.runDir,
        checkpointSha256: sha,
        checkpointStep: 60,
        archs: [truth[0].arch],
      };
      await queue.add('unsigned', job, { jobId: 'unsigned' });
      const refused = await signedWorker.waitForEvent(
        'the worker to refuse the unsigned task',
        (e): e is Extract<typeof e, { type: 'worker' }> =>
          isWorkerEvent(e) &&
          e.state === 'refused' &&
          (e.message ?? '').startsWith('task unsigned:'),
        60_000,
      );
      assert.match(refused.message ?? '', /not signed with this fleet's secret/);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  void test('hostile tasks are refused: a path outside the runs, a subnet outside the space, too many subnets or epochs; the queue learns no path', async () => {
    for (const w of workers) w.child.kill('SIGINT');
    await Promise.all(workers.map((w) => w.exited));
    workers.length = 0;
    const guard = startWorker(redis.url, 'guard', dir, redis.env());
    workers.push(guard);
    const run = freshRun();
    const sha = readCheckpoint(path.join(run.runDir, 'checkpoint', 'checkpoint.bin')).sha256;
    const { config } = resolveConfig(readFileSync(path.join(run.runDir, 'config.yaml'), 'utf8'));
    const version = packageVersion() ?? '';
    const base = { format: TASK_FORMAT, version, checkpointSha256: sha, checkpointStep: 60 };
    // A subnet of the tiny example's space, and the same with a resolution no space has.
    const small = parseArchKey('r20-d1w16k3e2-d1w24k3e2')!;
    assert.ok(archInSpace(small, config.space, config.task));
    // A folder under the worker's root that is no run of the search: its YAML must not be
    // parsed (an error would quote its keys) before the checkpoint or recipe is compared.
    const other = path.join(dir, 'not-a-run');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'config.yaml'), 'aws_secret_access_key: AKIAEXAMPLE\n');
    writeFileSync(path.join(other, 'run.json'), '{"configPath": 1}');
    const cases: [string, object, RegExp][] = [
      [
        'etc',
        { ...base, kind: 'evaluate', runDir: '/etc', archs: [small] },
        /not under this worker’s run folders/,
      ],
      [
        'other-folder',
        { ...base, kind: 'evaluate', runDir: other, archs: [small] },
        /no checkpoint here has the search's weights/,
      ],
      [
        'other-recipe',
        {
          ...base,
          kind: 'train-alone',
          runDir: other,
          recipe: 'ab12',
          configPath: '/c',
          arch: small,
          epochs: 1,
        },
        /not the one the ranking check uses/,
      ],
      [
        'huge-resolution',
        {
          ...base,
          kind: 'evaluate',
          runDir: run.runDir,
          archs: [{ ...small, resolution: 100000 }],
        },
        /not in the run’s search space/,
      ],
      [
        'many-archs',
        { ...base, kind: 'evaluate', runDir: run.runDir, archs: Array(100).fill(small) },
        /task\.archs must be a list of at most 64 \(it has 100\)/,
      ],
      [
        'huge-job',
        { ...base, kind: 'evaluate', runDir: run.runDir, archs: Array(10_000).fill(small) },
        /larger than 256 KiB/,
      ],
      [
        'long-training',
        {
          ...base,
          kind: 'train-alone',
          runDir: run.runDir,
          recipe: 'ab12',
          configPath: '/c',
          arch: small,
          epochs: 1e6,
        },
        /task\.epochs must be at most 100 \(it is 1000000\)/,
      ],
    ];
    const queue = new Queue(QUEUE_NAME, {
      connection: redis.connection,
      prefix: KEY_PREFIX,
    });
    try {
      for (const [id, data, why] of cases) {
        await queue.add(id, data, { jobId: id });
        const refused = await guard.waitForEvent(
          `the worker to refuse job ${id}`,
          (e): e is Extract<typeof e, { type: 'worker' }> =>
            isWorkerEvent(e) &&
            e.state === 'refused' &&
            (e.message ?? '').startsWith(`task ${id}:`),
          60_000,
        );
        assert.match(refused.message ?? '', why);
        // The registry, which anyone on the queue reads, holds the reason and no path.
        const entry = await redis.client((r) => r.hget(WORKERS_KEY, 'guard'));
        assert.doesNotMatch(entry ?? '', /\/etc|supernet-fleet-/, entry ?? '');
        await queue.remove(id).catch(() => undefined);
      }
      // The worker's own log has the detail for its operator.
      const etc = guard.events.find(
        (e) =>
          isWorkerEvent(e) && e.state === 'refused' && (e.message ?? '').startsWith('task etc:'),
      );
      assert.ok(etc?.type === 'worker' && /\/etc is outside /.test(etc.message ?? ''));
      assert.doesNotMatch(JSON.stringify(guard.events) + guard.stderr, /aws_secret|AKIA/);
      assert.equal(computedBy(guard), 0);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  void test('a worker whose driver and Redis are both gone stops within a lock period', async () => {
    const w = startWorker(redis.url, 'w7', dir, redis.env());
    workers.push(w);
    const connected = await w.waitForEvent(
      'the worker to connect',
      (e): e is Extract<typeof e, { type: 'worker' }> =>
        isWorkerEvent(e) && e.state === 'connected',
      60_000,
    );
    const engine = connected.worker.pid;
    await redis.stop();
    w.child.kill('SIGKILL');
    // Its job lock (10 s) runs out while Redis is away; then it leaves instead of waiting.
    const t0 = Date.now();
    while (processAlive(engine)) {
      assert.ok(Date.now() - t0 < 30_000, `the worker's engine ${engine} still runs`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
