import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { archKey } from '#shared/arch';
import { readRunFolder } from '../../../../client/src/dashboard/runFolderReader';
import { parseHostMessage } from '#shared/dashboard/webview';

void test('a run folder rebuilds the whole model, tolerating torn lines', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dash-run-'));
  try {
    const w = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
    w('run.json', JSON.stringify({ id: path.basename(dir), status: 'completed', totalSteps: 2 }));
    w(
      'config.yaml',
      'search:\n  objectives: { accuracy: max, params: min }\n  constraints: ["params < 50k"]\n',
    );
    const stepLine = (n: number) =>
      JSON.stringify({
        type: 'step',
        time: n,
        step: n,
        epoch: 0,
        lr: 0.1,
        losses: [{ role: 'largest', loss: 1 / n, flops: 1 }],
        imagesPerSec: 10,
        gradVariance: { total: 0, stages: [] },
      });
    w('events.jsonl', `${stepLine(1)}\n${stepLine(2)}\n{"type":"st`);
    const arch = (width: number) => ({
      resolution: 28,
      stages: [{ depth: 1, width, blocks: [{ kernel: 3, expand: 1 }] }],
    });
    const [k1, k2] = [archKey(arch(8)), archKey(arch(16))];
    w(
      'candidates.jsonl',
      [
        JSON.stringify({ key: k1, arch: arch(8), accuracy: 0.8, loss: 1, flops: 10, params: 20 }),
        JSON.stringify({
          key: k2,
          arch: arch(16),
          accuracy: 0.9,
          loss: 1,
          flops: 30,
          params: 60_000,
        }),
        // No arch: not a candidate this version can use.
        JSON.stringify({ key: 'k4', arch: {}, accuracy: 0.9, loss: 1, flops: 30, params: 60 }),
        '{"key":"k3","acc',
      ].join('\n'),
    );
    const { model, skippedLines } = await readRunFolder(dir);
    // The run id is the folder's name, as everywhere else.
    assert.equal(model.runId, path.basename(dir));
    assert.equal(model.status, 'completed');
    assert.deepEqual(model.steps.step, [1, 2]);
    assert.deepEqual(model.steps.largest, [1, 0.5]);
    assert.equal(skippedLines, 3);
    assert.deepEqual(
      model.search.candidates.map((c) => c.key),
      [k1, k2],
    );
    assert.deepEqual(model.search.objectives, [
      { name: 'accuracy', direction: 'max' },
      { name: 'params', direction: 'min' },
    ]);
    assert.deepEqual(model.search.constraints, ['params < 50k']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('a folder with nothing in it gives an empty model named after the folder', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dash-empty-'));
  try {
    const { model } = await readRunFolder(dir);
    assert.equal(model.runId, path.basename(dir));
    assert.equal(model.steps.step.length, 0);
    assert.equal(model.search.candidates.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('the model of a real run folder (release 0.1.0: training, search, export, fine-tune) passes the webview’s check', async () => {
  const runDir = path.resolve(
    __dirname,
    '../../../../../test/fixtures/runs-0.1.0/20261207-174558-tiny',
  );
  const { model } = await readRunFolder(runDir);
  assert.ok(model.steps.step.length > 0 && model.search.candidates.length > 0);
  assert.ok(model.finetune && Object.keys(model.finetune.byKey).length === 1);
  // Posted as the panel posts it: structured clone keeps what JSON would turn to null.
  const posted = structuredClone({
    type: 'init',
    mode: 'run',
    runs: [{ runId: model.runId, runDir, label: model.runId, model }],
    smoothing: 0.6,
  });
  const m = parseHostMessage(posted);
  assert.ok(!('problem' in m), 'problem' in m ? m.problem : '');
});
