import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EngineEvent } from '#shared/protocol/engine';
import { readTrainingCheckpoint } from '../../server/src/engine/train/checkpointHeader';
import { eventsOf, runCli } from './microRun';

/**
 * A few-shot run through the CLI, as a user runs it: trained with a split half-way, searched
 * over the union of its parts, a subnet exported from its own part (and verified against
 * it in onnxruntime), the completed run extended with its parts. The trainer's bit-for-bit
 * properties are in test/unit/engine/train/fewShotTraining.test.ts.
 */

const CONFIG = `name: few
task: { dataset: fashion-mnist, input: [28, 28, 1], classes: 10, validationSplit: 0.02 }
space:
  resolution: [20, 28]
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2], stride: 2 }
  head: { width: 16 }
train:
  steps: 8
  batchSize: 16
  sampler: { type: sandwich, subnets: 3 }
  checkpointEvery: 3
  seed: 3
  fewShot: { splits: 2, at: 0.5, batches: 1 }
search: { bnRecalibrationBatches: 1, population: 4, generations: 2 }
`;

void describe('few-shot NAS: train, search, export, extend (engine process)', () => {
  let dir: string;
  let runs: string;
  let runId: string;
  let train: EngineEvent[];
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-few-shot-'));
    runs = path.join(dir, 'runs');
    const config = path.join(dir, 'few.supernet.yaml');
    writeFileSync(config, CONFIG);
    const r = runCli(['train', config, '--runs', runs, '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    train = eventsOf(r.stdout);
    runId = readdirSync(runs)[0];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const checkpoint = () =>
    readTrainingCheckpoint(path.join(runs, runId, 'checkpoint', 'checkpoint.bin'));

  void test('the supernet splits at half of training; the checkpoint holds both parts', () => {
    const split = train.find((e) => e.type === 'log' && /few-shot split/.test(e.message));
    assert.ok(split && split.type === 'log', 'a log line names the split');
    assert.match(split.message, /^step 4: few-shot split by gradient-matching into \S+: \{/);
    // A checkpoint of the parts at once, before step 4 trains.
    const at4 = train.filter((e) => e.type === 'checkpoint' && e.step === 4);
    assert.equal(at4.length, 1);
    const ck = checkpoint();
    assert.equal(ck.header.step, 8);
    assert.equal(ck.header.split?.step, 4);
    assert.equal(ck.header.split?.groups.length, 2);
    assert.deepEqual(ck.header.split?.optimizerSteps, [6, 6], 'the parent’s 4, then 2 each');
    const names = ck.tensors.map((t) => t.name);
    assert.ok(names.every((n) => /^part[12]\./.test(n)));
    assert.equal(names.filter((n) => n.startsWith('part1.')).length, names.length / 2);
  });

  void test('search runs over the union of the parts; export takes a subnet from its own', () => {
    const s = runCli(['search', runId, '--runs', runs, '--json'], dir);
    assert.equal(s.status, 0, s.stderr);
    const events = eventsOf(s.stdout);
    const end = events.at(-1);
    assert.ok(end?.type === 'search-end' && end.status === 'completed');
    assert.ok(events.some((e) => e.type === 'candidate'));
    for (const { key } of end.front) {
      const e = runCli(['export', runId, key, '--runs', runs, '--json'], dir);
      assert.equal(e.status, 0, e.stderr);
      const done = eventsOf(e.stdout).at(-1);
      // Verified in onnxruntime against the part it was scored with, to the recorded accuracy.
      assert.ok(done?.type === 'export' && done.onnxAccuracy === done.recordedAccuracy, key);
    }
  });

  void test('the completed run extends with its parts, the split as it was', () => {
    const before = checkpoint().header.split!;
    const r = runCli(['train', '--resume', runId, '--runs', runs, '--steps', '10', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const events = eventsOf(r.stdout);
    const start = events.find((e) => e.type === 'run-start');
    assert.ok(start?.type === 'run-start' && start.resumedFromStep === 8);
    assert.ok(!events.some((e) => e.type === 'log' && /few-shot split/.test(e.message)));
    const after = checkpoint().header;
    assert.equal(after.step, 10);
    assert.deepEqual(
      { ...after.split, optimizerSteps: undefined },
      { ...before, optimizerSteps: undefined },
    );
    assert.deepEqual(after.split?.optimizerSteps, [7, 7]);
  });
});
