import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readCheckpoint } from '../../server/src/engine/storage/checkpoint';
import type { EngineEvent } from '#shared/protocol/engine';

const root = path.resolve(__dirname, '../../..');
const engine = path.join(root, 'dist', 'engine.js');

const CONFIG = `name: cancel-me
task: { validationSplit: 0.02 }
space:
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8], kernel: [3], expand: [1, 2], stride: 2 }
  head: { width: 16 }
train: { steps: 500, batchSize: 16, checkpointEvery: 1000, sampler: { type: uniform, subnets: 1 } }
search: { bnRecalibrationBatches: 1 }
`;

/** Collects an engine's events and lets a test wait for one that matches. */
class EngineClient {
  readonly events: EngineEvent[] = [];
  private waiters: { pred: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m) => {
      const e = m as EngineEvent;
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
    });
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }

  next(pred: (e: EngineEvent) => boolean, ms = 60_000): Promise<EngineEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for an engine event')), ms);
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
    });
  }
}

void describe('engine process control', () => {
  let dir: string;
  let config: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-engine-'));
    config = path.join(dir, 'cancel.supernet.yaml');
    writeFileSync(config, CONFIG);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test('answers status, drops malformed commands, cancels within one step with a checkpoint', async () => {
    const client = new EngineClient(
      fork(engine, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }),
    );
    client.child.send({ type: 'warp-speed' });
    const dropped = await client.next((e) => e.type === 'log' && e.level === 'error');
    assert.match(
      dropped.type === 'log' ? dropped.message : '',
      /dropped a message: command\.type must be one of 'start', 'cancel', 'status', 'search'/,
    );
    client.child.send({ type: 'status' });
    const idle = await client.next((e) => e.type === 'status');
    assert.equal(idle.type === 'status' && idle.state, 'idle');

    client.child.send({ type: 'start', configPath: config, runsDir: path.join(dir, 'runs') });
    await client.next((e) => e.type === 'step' && e.step >= 3);
    client.child.send({ type: 'status' });
    const busy = await client.next((e) => e.type === 'status' && e.state !== 'idle');
    assert.ok(busy.type === 'status' && busy.state === 'running' && (busy.step ?? 0) >= 3);
    client.child.send({ type: 'cancel' });
    const end = await client.next((e) => e.type === 'run-end');
    assert.equal(await client.exited, 0);
    assert.ok(end.type === 'run-end' && end.status === 'cancelled');
    const lastStep = Math.max(
      ...client.events
        .filter((e) => e.type === 'step')
        .map((e) => (e.type === 'step' ? e.step : 0)),
    );
    // Stopped within one step of the cancel, with a checkpoint of exactly where it stopped.
    assert.ok(end.step <= (busy.type === 'status' ? busy.step! : 0) + 2);
    assert.equal(end.step, lastStep);
    const start = client.events.find((e) => e.type === 'run-start');
    assert.ok(start && start.type === 'run-start');
    const ckFile = path.join(start.runDir, 'checkpoint', 'checkpoint.bin');
    assert.ok(existsSync(ckFile));
    assert.equal(readCheckpoint<{ step: number }>(ckFile).header.step, lastStep);
  });

  void test('a cancelled run with subnet-parallel steps ends its helpers and the process exits', async () => {
    const sandwich = path.join(dir, 'sandwich.supernet.yaml');
    writeFileSync(
      sandwich,
      CONFIG.replace('name: cancel-me', 'name: threads').replace(
        'sampler: { type: uniform, subnets: 1 } }',
        'sampler: { type: sandwich, subnets: 3 }, backend: wasm }',
      ),
    );
    const client = new EngineClient(
      fork(engine, [], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env: { ...process.env, SUPERNET_MAX_THREADS: '2' },
      }),
    );
    client.child.send({ type: 'start', configPath: sandwich, runsDir: path.join(dir, 'runs3') });
    const start = await client.next((e) => e.type === 'run-start');
    assert.equal(start.type === 'run-start' && start.threads, 2);
    await client.next((e) => e.type === 'step' && e.step >= 2);
    client.child.send({ type: 'cancel' });
    const end = await client.next((e) => e.type === 'run-end');
    assert.ok(end.type === 'run-end' && end.status === 'cancelled');
    // A helper thread left running would keep the process alive: it must exit on its own.
    const exited = await Promise.race([
      client.exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000).unref()),
    ]);
    if (exited === 'hung') client.child.kill();
    assert.equal(exited, 0);
  });

  void test('Ctrl-C on the CLI cancels the run and exits 130', async () => {
    const cli = spawn(
      process.execPath,
      [
        path.join(root, 'bin', 'supernet.js'),
        'train',
        config,
        '--runs',
        path.join(dir, 'runs2'),
        '--json',
      ],
      { cwd: dir },
    );
    let out = '';
    const exited = new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no step within 60 s')), 60_000);
      cli.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"type":"step"')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    cli.kill('SIGINT');
    assert.equal(await exited, 130);
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EngineEvent);
    const end = events[events.length - 1];
    assert.ok(end.type === 'run-end' && end.status === 'cancelled');
    assert.ok(events.some((e) => e.type === 'checkpoint'));
  });
});
