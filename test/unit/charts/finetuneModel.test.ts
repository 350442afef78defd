import test from 'node:test';
import assert from 'node:assert/strict';
import { appendEvents, emptyModel } from '#shared/charts/chartModel';
import { applyFinetuneResult } from '#shared/charts/finetuneModel';
import type { EngineEvent } from '#shared/protocol/engine';

const start = (resumedFromStep?: number): EngineEvent => ({
  type: 'finetune-start',
  time: 1,
  runId: 'run',
  key: 'k',
  dir: '/r/finetune/k',
  epochs: 2,
  totalSteps: 4,
  stepsPerEpoch: 2,
  batchSize: 8,
  lr: 0.02,
  teacher: 'big',
  sourceStep: 10,
  inherited: { accuracy: 0.7, loss: 1 },
  backend: 'wasm',
  threads: 1,
  ...(resumedFromStep !== undefined ? { resumedFromStep } : {}),
});
const step = (s: number): EngineEvent => ({
  type: 'finetune-step',
  time: 1,
  key: 'k',
  step: s,
  epoch: s / 2,
  lr: 0.01,
  loss: 1 / s,
  distillLoss: 0.1,
  imagesPerSec: 100,
});
const epoch = (e: number, accuracy: number): EngineEvent => ({
  type: 'finetune-epoch',
  time: 1,
  key: 'k',
  epoch: e,
  step: 2 * e,
  accuracy,
  loss: 0.5,
  seconds: 1,
});

void test('a fine-tune stopped and resumed draws each step once, its epochs and its result', () => {
  const model = emptyModel('run');
  appendEvents(model, [start(), step(1), step(2), epoch(1, 0.75), step(3)]);
  // Stopped after step 3, its checkpoint at step 2: the resume replays step 3.
  appendEvents(model, [start(2), step(3), step(4), epoch(2, 0.8)]);
  appendEvents(model, [
    {
      type: 'finetune-end',
      time: 1,
      key: 'k',
      status: 'completed',
      step: 4,
      seconds: 9,
      result: {
        version: 1,
        runId: 'run',
        key: 'k',
        arch: { resolution: 20, stages: [] },
        flops: 1,
        params: 1,
        epochs: 2,
        steps: 4,
        lr: 0.02,
        teacher: 'big',
        sourceStep: 10,
        sourceSha256: 'x',
        inherited: { accuracy: 0.7, loss: 1 },
        finetuned: { accuracy: 0.8, loss: 0.5 },
        seconds: 9,
        time: '',
      },
    },
  ]);
  const c = model.finetune!.byKey.k;
  assert.deepEqual(c.steps.step, [1, 2, 3, 4]);
  assert.deepEqual(c.accuracy.epoch, [1, 2]);
  assert.equal(c.inherited, 0.7);
  assert.equal(c.status, 'completed');
  assert.deepEqual(c.result, { accuracy: 0.8, inherited: 0.7, epochs: 2, seconds: 9 });
  // Started over (other settings): a new history, no result until it completes.
  appendEvents(model, [start(), step(1)]);
  assert.deepEqual(model.finetune!.byKey.k.steps.step, [1]);
  assert.equal(model.finetune!.byKey.k.result, undefined);
});

void test('a result.json alone (its events gone) still gives the fine-tuned point', () => {
  const model = emptyModel('run');
  applyFinetuneResult(model.finetune!, {
    version: 1,
    runId: 'run',
    key: 'k2',
    arch: { resolution: 20, stages: [] },
    flops: 1,
    params: 1,
    epochs: 1,
    steps: 2,
    lr: 0.02,
    sourceStep: 10,
    sourceSha256: 'x',
    inherited: { accuracy: 0.6, loss: 1 },
    finetuned: { accuracy: 0.65, loss: 0.9 },
    seconds: 3,
    time: '',
  });
  assert.equal(model.finetune!.byKey.k2.result?.accuracy, 0.65);
  assert.equal(model.finetune!.byKey.k2.teacher, undefined);
});
