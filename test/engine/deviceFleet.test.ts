// Latency devices against the real thing: redis-server on 127.0.0.1, `supernet worker
// --device` processes, `supernet profile` and searches of the tiny example whose objectives
// and constraints name a device. Timings must come from the device named (the candidate
// record says which worker), a device worker killed mid-task and a Redis restart must
// cost no timing, and a hostile task (unsigned, oversized, a model that is not what it
// claims) is refused.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { packageVersion } from '#shared/packageVersion';
import { parseDeviceProfile, type DeviceProfile } from '#shared/deviceProfile';
import type { EngineEvent } from '#shared/protocol/engine';
import type { Candidate } from '#shared/runFolder/records';
import { resolveConfig } from '../../server/src/config/resolve';
import { KEY_PREFIX } from '../../server/src/engine/execute/queue/queueTasks';
import {
  deviceQueueName,
  MAX_MODELS_PER_TASK,
  sha256Of,
  TIMING_FORMAT,
} from '../../server/src/engine/devices/deviceTasks';
import { predictLatency } from '../../server/src/space/deviceTable';
import { archUnits } from '../../server/src/space/latencyUnits';
import { randomArch } from '../../server/src/space/randomArch';
import { Rng } from '#shared/rng';
import { cli, CliProcess, freePort, hasRedisServer, isWorkerEvent, RedisServer } from './fleet';

const root = path.resolve(__dirname, '../../..');

const candidatesOf = (runDir: string): Candidate[] =>
  readFileSync(path.join(runDir, 'candidates.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Candidate);

/** A device worker: `supernet worker --device NAME --threads N --json`. */
const startDevice = (
  url: string,
  device: string,
  threads: number,
  cwd: string,
  env: NodeJS.ProcessEnv,
) =>
  new CliProcess(
    [
      'worker',
      '--queue',
      url,
      '--device',
      device,
      '--name',
      device,
      '--threads',
      String(threads),
      '--json',
    ],
    cwd,
    env,
  );

/** What the device worker said when it refused task `id`. */
const refusalBy = async (w: CliProcess, id: string): Promise<string> =>
  (
    await w.waitForEvent(
      `the refusal of ${id}`,
      (e): e is Extract<EngineEvent, { type: 'worker' }> =>
        isWorkerEvent(e) && e.state === 'refused' && (e.message ?? '').startsWith(`task ${id}:`),
      60_000,
    )
  ).message ?? '';

const connected = (w: CliProcess) =>
  w.waitForEvent(
    'the device worker to connect',
    (e): e is Extract<EngineEvent, { type: 'worker' }> =>
      isWorkerEvent(e) && e.state === 'connected',
    60_000,
  );

void describe('latency devices on a queue', { timeout: 900_000 }, () => {
  let dir: string;
  let runs: string;
  let config: string;
  let redis: RedisServer;
  const devices: CliProcess[] = [];
  const cliRun = (args: string[], env: NodeJS.ProcessEnv = redis.env()) =>
    spawnSync(process.execPath, [cli, ...args], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 300_000,
    });

  before(async () => {
    assert.ok(hasRedisServer(), 'redis-server is not installed (CI installs it in .ci/run)');
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-devices-'));
    runs = path.join(dir, '.supernet', 'runs');
    config = path.join(dir, 'tiny-device.supernet.yaml');
    // The tiny example searched for accuracy and latency on device `one`, under a bound.
    const text = readFileSync(path.join(root, 'examples', 'tiny.supernet.yaml'), 'utf8')
      .replace(
        'objectives: { accuracy: max, macs: min }',
        'objectives: { accuracy: max, latency@one: min }',
      )
      .replace('constraints: ["macs <= 400k"]', 'constraints: ["latency@one <= 5ms"]');
    assert.match(text, /latency@one <= 5ms/);
    writeFileSync(config, text);
    const r = cliRun(['train', config, '--steps', '40', '--runs', runs, '--json'], process.env);
    assert.equal(r.status, 0, r.stderr);
    redis = new RedisServer(await freePort(), path.join(dir, 'redis'));
    await redis.start();
  });

  after(async () => {
    for (const d of devices) {
      const pid = d.events.find(isWorkerEvent)?.worker.pid;
      d.child.kill('SIGKILL');
      if (pid)
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
    }
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void test('a profile through a device worker survives the worker SIGKILLed mid-task and a Redis restart; its prediction is the sum it claims', async () => {
    const first = startDevice(redis.url, 'one', 1, dir, redis.env());
    devices.push(first);
    await connected(first);
    const profile = new CliProcess(
      ['profile', config, '--device', 'one', '--queue', redis.url, '--subnets', '12', '--json'],
      dir,
      redis.env(),
    );
    const busy = await first.waitForEvent(
      'the device worker to start a task',
      (e): e is Extract<EngineEvent, { type: 'worker' }> =>
        isWorkerEvent(e) && e.state === 'job-start',
      120_000,
    );
    // Killed in the middle of a task: its lock lapses and the task goes to the next worker.
    process.kill(busy.worker.pid, 'SIGKILL');
    first.child.kill('SIGKILL');
    await redis.stop();
    await new Promise((r) => setTimeout(r, 2_000));
    await redis.start();
    const second = startDevice(redis.url, 'one', 1, dir, redis.env());
    devices.push(second);
    assert.equal(await profile.exited, 0, profile.stderr);
    const end = profile.events.find((e) => e.type === 'profile-end');
    assert.ok(end?.type === 'profile-end' && end.status === 'completed', JSON.stringify(end));
    assert.ok(end.quality && end.quality.subnets === 12, 'the table was checked on 12 subnets');
    // Beside it, the trivial baseline on the same subnets: a line in MACs.
    assert.ok(end.quality.macsBaseline && end.quality.macsBaseline.mape >= 0);
    assert.ok(
      second.events.some((e) => isWorkerEvent(e) && e.state === 'job-end'),
      'the second worker finished what the killed one had left',
    );
    const table = parseDeviceProfile(
      JSON.parse(readFileSync(path.join(dir, '.supernet', 'devices', 'one.json'), 'utf8')),
    ) as DeviceProfile;
    assert.equal(typeof table, 'object');
    assert.equal(table.facts.worker, 'one');
    assert.equal(table.facts.threads, 1);
    // Every unit of random subnets is in the table, and a prediction is its units' sum plus
    // the fitted overhead, exactly as it says.
    const { config: c } = resolveConfig(readFileSync(config, 'utf8'));
    const rng = new Rng(3);
    for (let i = 0; i < 20; i++) {
      const arch = randomArch(c.space, c.task, rng);
      const p = predictLatency(table, c.space, c.task, arch);
      assert.ok(typeof p !== 'string', String(p));
      const units = archUnits(c.space, c.task, arch);
      assert.deepEqual(
        p.units.map((u) => u.key),
        units.map((u) => u.key),
      );
      const sum = units.reduce((a, u) => a + table.units[u.key].ms, 0);
      const space = Object.values(table.spaces)[0];
      const overhead = space.overheadMs + space.perUnitMs * units.length;
      assert.ok(
        Math.abs(p.ms - Math.max(0, space.unitScale * sum + overhead)) < 1e-12,
        `${p.ms} vs ${space.unitScale} × ${sum} + ${overhead}`,
      );
      assert.equal(p.overheadMs, overhead);
      assert.equal(p.scale, space.unitScale);
    }
  });

  void test('a search against a device takes every latency from its worker and none from this machine', async () => {
    const id = readdirSync(runs)[0];
    const r = cliRun([
      'search',
      id,
      '--runs',
      runs,
      '--budget',
      '24',
      '--device-queue',
      redis.url,
      '--json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const all = candidatesOf(path.join(runs, id));
    assert.ok(all.length >= 24);
    for (const c of all) {
      assert.equal(c.latency, undefined, 'the host latency was measured');
      const d = c.deviceLatency?.one;
      assert.ok(d && d.source === 'device' && d.worker === 'one' && d.ms > 0, JSON.stringify(c));
    }
    const start = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as EngineEvent)
      .find((e) => e.type === 'search-start');
    assert.ok(start?.type === 'search-start');
    assert.match(start.latencySources?.join() ?? '', /latency@one timed by its worker/);
  });

  void test('with the device offline, the search predicts from its table and says so in each record', async () => {
    for (const d of devices) d.child.kill('SIGINT');
    await Promise.all(devices.map((d) => d.exited));
    devices.length = 0;
    // The registry forgets a worker that left: no device `one` is connected now.
    const id = readdirSync(runs)[0];
    const r = cliRun([
      'search',
      id,
      '--runs',
      runs,
      '--budget',
      '8',
      '--seed',
      '9',
      '--device-queue',
      redis.url,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no worker of one is connected.*predicted from its latency table/);
    const fresh = candidatesOf(path.join(runs, id)).filter(
      (c) => c.deviceLatency?.one.source === 'table',
    );
    assert.ok(fresh.length >= 8, 'the table figures are recorded as such');
  });

  void test('with a fleet secret: an unsigned, an oversized and a lying timing task are refused, each said why', async () => {
    const secret = 'the fleet secret of the device test';
    const env = redis.env({ ...process.env, SUPERNET_FLEET_SECRET: secret });
    const w = startDevice(redis.url, 'guarded', 1, dir, env);
    devices.push(w);
    await connected(w);
    const queue = new Queue(deviceQueueName('guarded'), {
      connection: redis.connection,
      prefix: KEY_PREFIX,
    });
    const model = Buffer.from('not really onnx');
    const task = (models: { sha256: string; onnx: string }[]) => ({
      kind: 'time',
      format: TIMING_FORMAT,
      version: packageVersion() ?? '',
      device: 'guarded',
      settings: { batch: 1, warmup: 0, runs: 1 },
      models,
    });
    try {
      await queue.add('time', task([{ sha256: sha256Of(model), onnx: model.toString('base64') }]), {
        jobId: 'unsigned',
      });
      assert.match(await refusalBy(w, 'unsigned'), /not signed with this fleet's secret/);
    } finally {
      await queue.obliterate({ force: true });
    }
    // Without a secret on either side, the size and content checks are what stands.
    for (const d of devices) d.child.kill('SIGINT');
    await Promise.all(devices.map((d) => d.exited));
    devices.length = 0;
    const open = startDevice(redis.url, 'guarded', 1, dir, redis.env());
    devices.push(open);
    await connected(open);
    try {
      const huge = 'A'.repeat(25 * 1024 * 1024);
      await queue.add('time', task([{ sha256: sha256Of(model), onnx: huge }]), { jobId: 'huge' });
      assert.match(await refusalBy(open, 'huge'), /larger than 24 MiB/);
      const many = Array.from({ length: MAX_MODELS_PER_TASK + 1 }, () => ({
        sha256: sha256Of(model),
        onnx: model.toString('base64'),
      }));
      await queue.add('time', task(many), { jobId: 'many' });
      assert.match(await refusalBy(open, 'many'), /task\.models/);
      await queue.add(
        'time',
        task([{ sha256: sha256Of(Buffer.from('other')), onnx: model.toString('base64') }]),
        {
          jobId: 'lying',
        },
      );
      assert.match(await refusalBy(open, 'lying'), /do not hash to the SHA-256 it claims/);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
