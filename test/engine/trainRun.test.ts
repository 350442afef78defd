import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import {
  mkdtempSync,
  mkdirSync,
  copyFileSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseEngineEvent, type EngineEvent, type StepEvent } from '#shared/protocol/engine';
import { readJsonLinesFile } from '#shared/runFolder/appendLog';

const readEvents = (file: string) => readJsonLinesFile(file, parseEngineEvent);

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'bin', 'supernet.js');

/** A micro supernet: seconds per run, every feature on. */
const CONFIG = `name: micro
task: { dataset: fashion-mnist, input: [28, 28, 1], classes: 10, validationSplit: 0.02 }
space:
  resolution: [20, 28]
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2], stride: 2 }
  head: { width: 16 }
train:
  steps: 12
  batchSize: 16
  optimizer: { type: sgd, lr: 0.05, momentum: 0.9 }
  sampler: { type: sandwich, subnets: 3 }
  distillation: true
  checkpointEvery: 4
  seed: 3
search: { bnRecalibrationBatches: 2 }
`;

function train(args: string[], cwd: string) {
  return spawnSync(process.execPath, [cli, 'train', ...args, '--json'], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

const stepsOf = (events: EngineEvent[]) => events.filter((e): e is StepEvent => e.type === 'step');
const lossesOf = (events: EngineEvent[]) => stepsOf(events).map((e) => e.losses.map((l) => l.loss));

void describe('supernet train (engine process)', () => {
  let dir: string;
  let config: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-train-'));
    config = path.join(dir, 'micro.supernet.yaml');
    writeFileSync(config, CONFIG);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let firstRun: EngineEvent[] = [];

  void test('trains, streams typed events, writes the run folder and a checkpoint', () => {
    const r = train([config, '--runs', path.join(dir, 'a')], dir);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EngineEvent);
    const start = lines.find((e) => e.type === 'run-start');
    assert.ok(start && start.type === 'run-start');
    assert.match(start.backend, /wasm|cpu|tensorflow/);
    assert.equal(start.totalSteps, 12);
    const steps = stepsOf(lines);
    assert.deepEqual(
      steps.map((s) => s.step),
      [...Array(12).keys()].map((i) => i + 1),
    );
    for (const s of steps) {
      assert.deepEqual(
        s.losses.map((l) => l.role),
        ['largest', 'smallest', 'random'],
      );
      assert.ok(s.losses.every((l) => Number.isFinite(l.loss) && l.flops > 0));
      assert.ok(s.distillLoss !== undefined && s.distillLoss >= 0);
      assert.ok(s.gradVariance.total > 0 && s.gradVariance.stages.length === 1);
      assert.ok(s.lr > 0 && s.imagesPerSec > 0);
    }
    const epochs = lines.filter((e) => e.type === 'epoch');
    assert.equal(epochs.length, 1);
    const end = lines[lines.length - 1];
    assert.ok(end.type === 'run-end' && end.status === 'completed' && end.step === 12);
    // The file holds the same events as the stream.
    const onDisk = readEvents(path.join(start.runDir, 'events.jsonl'));
    assert.deepEqual(
      onDisk.map((e) => e.type),
      lines.map((e) => e.type),
    );
    assert.ok(existsSync(path.join(start.runDir, 'checkpoint', 'checkpoint.bin')));
    assert.equal(readFileSync(path.join(start.runDir, 'config.yaml'), 'utf8'), CONFIG);
    firstRun = lines;
  });

  void test('the same seed and backend give the same losses', () => {
    const r = train([config, '--runs', path.join(dir, 'b')], dir);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EngineEvent);
    assert.deepEqual(lossesOf(lines), lossesOf(firstRun));
  });

  void test('a run killed with SIGKILL resumes from its checkpoint and continues the exact schedule', async () => {
    const runs = path.join(dir, 'c');
    const child = spawn(process.execPath, [cli, 'train', config, '--runs', runs, '--json'], {
      cwd: dir,
    });
    let out = '';
    let runDir = '';
    // Kill the whole process group's engine once a checkpoint past step 4 is on disk.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        for (const line of out.split('\n').slice(0, -1)) {
          const e = JSON.parse(line) as EngineEvent;
          if (e.type === 'run-start') runDir = e.runDir;
          if (e.type === 'checkpoint' && e.step >= 4) {
            const engines = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
              .stdout.trim()
              .split('\n')
              .filter(Boolean);
            for (const pid of engines) process.kill(Number(pid), 'SIGKILL');
            child.kill('SIGKILL');
            resolve();
            return;
          }
        }
      });
      child.on('exit', () => resolve());
      setTimeout(() => reject(new Error('no checkpoint within 90 s')), 90_000);
    });
    assert.ok(runDir, 'the run started');
    // A torn line, as a kill in the middle of a write leaves.
    appendFileSync(path.join(runDir, 'events.jsonl'), '{"type":"step","time":1,"st');
    const r = train(['--resume', path.basename(runDir), '--runs', runs], dir);
    assert.equal(r.status, 0, r.stderr);
    const resumed = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EngineEvent);
    const start = resumed.find((e) => e.type === 'run-start');
    assert.ok(
      start &&
        start.type === 'run-start' &&
        start.resumedFromStep !== undefined &&
        start.resumedFromStep >= 4,
    );
    // Every step after the checkpoint is redone exactly as the uninterrupted run did it.
    const from = start.resumedFromStep!;
    assert.deepEqual(lossesOf(resumed), lossesOf(firstRun).slice(from));
    // The log reads cleanly and holds each step once.
    const all = stepsOf(readEvents(path.join(runDir, 'events.jsonl'))).map((s) => s.step);
    assert.deepEqual(
      all,
      [...Array(12).keys()].map((i) => i + 1),
    );
  });

  void test('a config with errors fails before training with located messages', () => {
    const bad = path.join(dir, 'bad.supernet.yaml');
    writeFileSync(bad, CONFIG.replace('kernel: [3, 5]', 'kernel: [3, 4]'));
    const r = train([bad, '--runs', path.join(dir, 'd')], dir);
    assert.equal(r.status, 1);
    assert.match(r.stdout + r.stderr, /bad\.supernet\.yaml:7: Kernel size 4 is even/);
  });

  void test('a truncated data file fails the run with the file and what is wrong', () => {
    const data = path.join(dir, 'broken');
    mkdirSync(data);
    const images = gunzipSync(
      readFileSync(path.join(root, 'data', 'fashion-mnist-subset', 't10k-images-idx3-ubyte.gz')),
    );
    writeFileSync(
      path.join(data, 't10k-images-idx3-ubyte'),
      images.subarray(0, 16 + 28 * 28 * 100),
    );
    copyFileSync(
      path.join(root, 'data', 'fashion-mnist-subset', 't10k-labels-idx1-ubyte.gz'),
      path.join(data, 't10k-labels-idx1-ubyte.gz'),
    );
    const cfg = path.join(dir, 'broken.supernet.yaml');
    writeFileSync(
      cfg,
      CONFIG.replace('dataset: fashion-mnist,', 'dataset: fashion-mnist, path: ./broken,'),
    );
    const r = train([cfg, '--runs', path.join(dir, 'e')], dir);
    assert.equal(r.status, 1);
    const end = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EngineEvent)
      .pop();
    assert.ok(end && end.type === 'run-end' && end.status === 'failed');
    assert.match(
      end.message ?? '',
      /t10k-images-idx3-ubyte: expected 10000×28×28 = 7840000 bytes of data after the 16-byte header, got 78400/,
    );
  });

  void test('a run on the ranking benchmark space scores its table per epoch, and a stop during that ends it cancelled', async () => {
    const ranking = path.join(root, 'examples', 'ranking.supernet.yaml');
    const done = train([ranking, '--steps', '20', '--runs', path.join(dir, 'rk'), '--json'], dir);
    assert.equal(done.status, 0, done.stderr);
    const events = done.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EngineEvent);
    const rank = events.find((e) => e.type === 'ranking');
    assert.ok(rank?.type === 'ranking', 'a ranking event at the end of the (only) epoch');
    assert.equal(rank.points.length, rank.subnets);
    assert.ok(
      rank.kendallTauInterval[0] <= rank.kendallTau &&
        rank.kendallTau <= rank.kendallTauInterval[1],
    );

    // Stopped the moment the epoch's validation is out, i.e. while the table is scored.
    const child = spawn(
      process.execPath,
      [cli, 'train', ranking, '--steps', '20', '--runs', path.join(dir, 'rk2'), '--json'],
      { cwd: dir },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (/"type":"epoch"/.test(out) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const stopped = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EngineEvent);
    assert.equal(code, 130);
    assert.equal(stopped.filter((e) => e.type === 'ranking').length, 0);
    const end = stopped.at(-1);
    assert.ok(end?.type === 'run-end' && end.status === 'cancelled', JSON.stringify(end));
  });

  void test('resuming a run without a checkpoint says so', () => {
    const r = train(['--resume', 'no-such-run', '--runs', path.join(dir, 'a')], dir);
    assert.equal(r.status, 1);
    assert.match(r.stdout + r.stderr, /No run 'no-such-run'/);
  });
});
