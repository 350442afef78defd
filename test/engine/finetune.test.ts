// Fine-tuning a subnet (`supernet finetune`, issue #27): it raises accuracy over the inherited
// weights, a stopped fine-tune resumes bit for bit, bad input is refused with a located error
// and nothing of the run changes, and every accuracy says its kind (CLI output, sidecar).
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EngineEvent } from '#shared/protocol/engine';
import { RunPaths } from '#shared/runFolder/layout';
import { parseFinetuneResult, type FinetuneResult } from '#shared/runFolder/records';
import { readCheckpoint } from '../../server/src/engine/storage/checkpoint';
import { microConfig, runCli, startCli } from './microRun';
import { changedFiles, fingerprint } from './runFileTools';

/** The micro space trained briefly: its subnets inherit weights worth fine-tuning. */
const CONFIG = microConfig({
  name: 'ft',
  task: '{ dataset: fashion-mnist, input: [28, 28, 1], classes: 10, validationSplit: 0.02 }',
  train:
    'steps: 60, batchSize: 16, checkpointEvery: 1000, seed: 3, sampler: { type: sandwich, subnets: 3 }, distillation: true',
});
/** The smallest subnet of the micro space, another, the largest, and one not in it. */
const KEY = 'r20-d1w8k3e1';
const OTHER = 'r20-d2w16k3e2k3e1';
const LARGEST = 'r20-d2w16k3e2k3e2';
const NOT_IN_SPACE = 'r28-d1w8k3e1';
/** Fine-tune length of the tests: 0.02 epoch of the micro run's training split at batch 16. */
const EPOCHS = '0.02';

const jsonEvents = (stdout: string): EngineEvent[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as EngineEvent);

const resultOf = (events: EngineEvent[]): FinetuneResult => {
  const end = events.find((e) => e.type === 'finetune-end');
  assert.ok(end?.type === 'finetune-end' && end.status === 'completed', JSON.stringify(end));
  assert.ok(end.result);
  return end.result;
};

/** The run folder's files other than its fine-tunes': what a fine-tune must never change. */
const runState = (runDir: string) =>
  new Map([...fingerprint(runDir)].filter(([name]) => !name.startsWith('finetune')));

void describe('supernet finetune', () => {
  let dir: string;
  let runs: string;
  let runId: string;
  let runDir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-finetune-'));
    runs = path.join(dir, 'runs');
    writeFileSync(path.join(dir, 'ft.supernet.yaml'), CONFIG);
    const r = runCli(['train', 'ft.supernet.yaml', '--runs', 'runs'], dir);
    assert.equal(r.status, 0, r.stderr);
    runId = readdirSync(runs)[0];
    runDir = path.join(runs, runId);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test('raises accuracy over the inherited weights; every figure says its kind', () => {
    const before = runState(runDir);
    const r = runCli(['finetune', runId, KEY, '--epochs', EPOCHS, '--runs', 'runs'], dir);
    assert.equal(r.status, 0, r.stderr);
    const result = parseFinetuneResult(
      JSON.parse(readFileSync(new RunPaths(runDir).finetuneOf(KEY).resultFile, 'utf8')),
    );
    assert.ok(result, 'result.json is a fine-tune result');
    assert.ok(
      result.finetuned.accuracy > result.inherited.accuracy + 0.02,
      `fine-tuned ${result.finetuned.accuracy} vs inherited ${result.inherited.accuracy}`,
    );
    assert.equal(result.teacher, undefined, 'by default, labels only');
    // The one line on stdout names both kinds, with the fine-tune's epochs.
    assert.match(
      r.stdout,
      new RegExp(
        `^${KEY}  inherited \\d+\\.\\d\\d% → fine-tuned 0\\.02 ep \\d+\\.\\d\\d% \\(\\+\\d+\\.\\d\\d points\\)\\n$`,
      ),
    );
    assert.match(r.stderr, /SGD lr 0\.04 cosine, no distillation; inherited \d+\.\d\d%/);
    assert.deepEqual(changedFiles(before, runState(runDir)), [], 'the run itself is only read');
    assert.ok(!existsSync(new RunPaths(runDir).finetuneOf(KEY).lockFile), 'the lock is released');

    // Asked again with the same settings: the result, at once.
    const again = runCli(
      ['finetune', runId, KEY, '--epochs', EPOCHS, '--runs', 'runs', '--json'],
      dir,
    );
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(resultOf(jsonEvents(again.stdout)), result);
    assert.ok(!jsonEvents(again.stdout).some((e) => e.type === 'finetune-step'), 'no step trained');
  });

  void test('the export of the fine-tuned weights and its sidecar name every accuracy kind', () => {
    // A ranking check first, so the run has stand-alone figures of some subnets.
    const rank = runCli(
      ['rank', runId, '--subnets', '2', '--epochs', '0.005', '--runs', 'runs'],
      dir,
    );
    assert.equal(rank.status, 0, rank.stderr);
    assert.match(rank.stdout, /inherited \d+\.\d\d% {2}stand-alone 0\.005 ep \d+\.\d\d%/);
    const ranked = JSON.parse(readFileSync(new RunPaths(runDir).rankFile, 'utf8')) as {
      subnets: { key: string }[];
    };
    const key = ranked.subnets[0].key;
    const ft = runCli(['finetune', runId, key, '--epochs', '0.005', '--runs', 'runs'], dir);
    assert.equal(ft.status, 0, ft.stderr);

    const exp = runCli(['export', runId, key, '--finetuned', '--runs', 'runs'], dir);
    assert.equal(exp.status, 0, exp.stderr);
    const file = exp.stdout.trim();
    assert.equal(path.basename(file), `${key}.finetuned.onnx`);
    assert.match(exp.stderr, /fine-tuned accuracy \d+\.\d\d% \(recorded \d+\.\d\d%\)/);
    const sidecar = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as {
      accuracy: number;
      accuracyKind: string;
      accuracyLabel: string;
      accuracies: { kind: string; accuracy: number; epochs?: number; label: string }[];
      finetune: { epochs: number; teacher: string | null };
    };
    assert.equal(sidecar.accuracyKind, 'finetuned');
    assert.equal(sidecar.accuracyLabel, 'fine-tuned 0.005 ep');
    assert.deepEqual(
      sidecar.accuracies.map((a) => a.label),
      ['inherited', 'stand-alone 0.005 ep', 'fine-tuned 0.005 ep'],
    );
    assert.equal(
      sidecar.accuracies.find((a) => a.kind === 'finetuned')?.accuracy,
      sidecar.accuracy,
    );
    assert.equal(sidecar.finetune.teacher, null);

    // The fine-tuned weights quantised (what "Fine-tune and Export int8" asks for): its own
    // file, the fine-tuned float32 weights as the reference.
    const q = runCli(['export', runId, key, '--finetuned', '--int8', '--runs', 'runs'], dir);
    assert.equal(q.status, 0, q.stderr);
    assert.equal(path.basename(q.stdout.trim()), `${key}.finetuned.int8.onnx`);
    assert.match(
      q.stderr,
      /validation accuracy \(fine-tuned weights\): int8 [\d.]+%, float32 [\d.]+%/,
    );
    const qs = JSON.parse(readFileSync(`${q.stdout.trim()}.json`, 'utf8')) as {
      precision: string;
      accuracyKind: string;
      int8: { floatAccuracy: number };
    };
    assert.equal(qs.precision, 'int8');
    assert.equal(qs.accuracyKind, 'finetuned');
    assert.equal(qs.int8.floatAccuracy, sidecar.accuracy);

    // The inherited weights' export says so.
    const plain = runCli(['export', runId, key, '--runs', 'runs'], dir);
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stderr, /inherited accuracy \d+\.\d\d%/);
    const inherited = JSON.parse(readFileSync(`${plain.stdout.trim()}.json`, 'utf8')) as {
      accuracyKind: string;
      accuracies: { label: string }[];
    };
    assert.equal(inherited.accuracyKind, 'inherited');
    assert.deepEqual(
      inherited.accuracies.map((a) => a.label),
      ['inherited', 'stand-alone 0.005 ep', 'fine-tuned 0.005 ep'],
    );
  });

  void test('a stopped fine-tune resumes bit for bit: the weights of an uninterrupted one', async () => {
    // The same run twice: one fine-tune goes straight through, the other is stopped and resumed.
    const straight = path.join(dir, 'runs-straight');
    cpSync(runs, straight, { recursive: true });
    for (const r of [runs, straight])
      rmSync(new RunPaths(path.join(r, runId)).finetuneOf(OTHER).dir, {
        recursive: true,
        force: true,
      });
    const args = ['finetune', runId, OTHER, '--epochs', EPOCHS, '--distill'];
    const whole = runCli([...args, '--runs', straight], dir);
    assert.equal(whole.status, 0, whole.stderr);

    const t = startCli(dir, [...args, '--runs', 'runs']);
    await t.until('step 20', (e) => e.type === 'finetune-step' && e.step >= 20);
    process.kill(-t.child.pid!, 'SIGINT');
    assert.equal(await t.exited, 130, t.stderr());
    const stopped = t.seen.find((e) => e.type === 'finetune-end');
    assert.ok(stopped?.type === 'finetune-end' && stopped.status === 'cancelled');
    const paths = new RunPaths(runDir).finetuneOf(OTHER);
    assert.equal(readCheckpoint<{ step: number }>(paths.checkpointFile).header.step, stopped.step);
    const started = t.seen.find((e) => e.type === 'finetune-start');
    assert.ok(started?.type === 'finetune-start');
    const total = started.totalSteps;
    assert.ok(stopped.step < total, `stopped at step ${stopped.step} of ${total}`);

    // Asked again without its settings: it resumes as it was started (epochs, distillation).
    const resumed = runCli(['finetune', runId, OTHER, '--runs', 'runs', '--json'], dir);
    assert.equal(resumed.status, 0, resumed.stderr);
    const events = jsonEvents(resumed.stdout);
    const start = events.find((e) => e.type === 'finetune-start');
    assert.ok(
      start?.type === 'finetune-start' && start.resumedFromStep === stopped.step,
      `resumed from ${JSON.stringify(start)}; stopped at ${stopped.step}; ${resumed.stderr}`,
    );
    const a = readCheckpoint(paths.checkpointFile);
    const b = readCheckpoint(
      new RunPaths(path.join(straight, runId)).finetuneOf(OTHER).checkpointFile,
    );
    assert.equal(
      a.sha256,
      b.sha256,
      'the same weights, statistics and optimizer slots, bit for bit',
    );
    const ra = resultOf(events);
    const rb = resultOf(jsonEvents(runCli([...args, '--runs', straight, '--json'], dir).stdout));
    assert.equal(ra.teacher, LARGEST, 'distilled from the largest subnet, frozen');
    assert.equal(ra.finetuned.accuracy, rb.finetuned.accuracy);
    // Each step is in the log once: the steps after the checkpoint were dropped before they were redone.
    const steps = readFileSync(paths.eventsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as EngineEvent)
      .filter((e) => e.type === 'finetune-step')
      .map((e) => (e as { step: number }).step);
    assert.deepEqual(
      steps,
      Array.from({ length: total }, (_, i) => i + 1),
    );
  });

  void test('refused with a located error, nothing written: a key not in the space, a bad key', () => {
    const before = fingerprint(runDir);
    for (const [key, message] of [
      [NOT_IN_SPACE, `Subnet ${NOT_IN_SPACE} is not in the search space of run ${runId}`],
      ['r20-nonsense', `'r20-nonsense' is not a subnet key`],
    ]) {
      const r = runCli(['finetune', runId, key, '--runs', 'runs'], dir);
      assert.equal(r.status, 1, r.stderr);
      assert.ok(r.stderr.includes(message), r.stderr);
    }
    assert.deepEqual(changedFiles(before, fingerprint(runDir)), []);
    const usage = runCli(['finetune', runId, KEY, '--epochs', '0', '--runs', 'runs'], dir);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--epochs takes a positive number/);
  });

  void test('refused while the run is still training; its training goes on untouched', async () => {
    writeFileSync(
      path.join(dir, 'long.supernet.yaml'),
      CONFIG.replace('steps: 60', 'steps: 100000').replace(
        'checkpointEvery: 1000',
        'checkpointEvery: 5',
      ),
    );
    const t = startCli(dir, ['train', 'long.supernet.yaml', '--runs', 'runs-live']);
    try {
      const start = await t.until('a checkpoint', (e) => e.type === 'checkpoint' && e.step >= 5);
      const live = readdirSync(path.join(dir, 'runs-live'))[0];
      assert.ok(start.type === 'checkpoint');
      const r = runCli(['finetune', live, KEY, '--runs', 'runs-live'], dir);
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `Run ${live} is still training \\(process \\d+ on .*\\): its weights are not final`,
        ),
      );
      assert.ok(
        !existsSync(new RunPaths(path.join(dir, 'runs-live', live)).finetuneDir),
        'nothing written',
      );
    } finally {
      process.kill(-t.child.pid!, 'SIGINT');
      assert.equal(await t.exited, 130, t.stderr());
    }
  });

  void test('a disk that fills while the fine-tune writes: it fails naming the file, its last checkpoint and the run survive', async () => {
    const flag = path.join(dir, 'disk-full.flag');
    const env = { ...process.env, SUPERNET_FAULT_DISK_FULL_FLAG: flag };
    const key = 'r20-d2w8k3e1k3e1';
    const before = runState(runDir);
    const t = startCli(dir, ['finetune', runId, key, '--epochs', EPOCHS, '--runs', 'runs'], env);
    await t.until('step 10', (e) => e.type === 'finetune-step' && e.step >= 10);
    const paths = new RunPaths(runDir).finetuneOf(key);
    const checkpoint = readFileSync(paths.checkpointFile);
    // Room for a few event lines, not for a checkpoint: the stop's checkpoint cannot be written.
    writeFileSync(flag, '4096');
    process.kill(-t.child.pid!, 'SIGINT');
    assert.equal(await t.exited, 1, t.stderr());
    const end = t.seen.find((e) => e.type === 'finetune-end');
    assert.ok(end?.type === 'finetune-end' && end.status === 'failed', JSON.stringify(end));
    assert.match(
      end.message ?? '',
      /Could not write the checkpoint .*finetune.*checkpoint\.bin.*no space left/,
    );
    assert.ok(
      readFileSync(paths.checkpointFile).equals(checkpoint),
      'the last checkpoint is intact',
    );
    assert.equal(readCheckpoint<{ step: number }>(paths.checkpointFile).header.step, 0);
    assert.deepEqual(
      readdirSync(paths.dir).filter((n) => n.endsWith('.tmp')),
      [],
    );
    assert.deepEqual(changedFiles(before, runState(runDir)), [], 'nothing of the run is lost');
    assert.ok(!existsSync(paths.lockFile), 'the lock is released');
    // With room again it resumes and completes.
    rmSync(flag);
    const r = runCli(['finetune', runId, key, '--epochs', EPOCHS, '--runs', 'runs'], dir);
    assert.equal(r.status, 0, r.stderr);
  });
});
