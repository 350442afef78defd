// A run folder written by Supernet Studio 0.1.0 as released on 7 Dec 2026 (the tiny example,
// 12 steps, a search of 8, an export and a fine-tune; test/fixtures/runs-0.1.0/) must still
// open in the views and in every job of today's engine: a change of any run-folder format
// has to keep reading it (#28, item 1). The folder was made on another machine: the config
// it names (/tmp/fx/tiny.supernet.yaml) does not exist here, as with a run copied over.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { listRuns } from '#shared/runs/readRuns';
import { parseRunMeta, RUN_FORMAT } from '#shared/runFolder/records';
import { readFinetunes, readRunSubnets } from '../../client/src/tree/runFiles';
import { root, runCli } from './microRun';

const ID = '20261207-174558-tiny';
const KEY = 'r28-d1w16k5e2-d1w32k3e3';

void describe('a run folder of release 0.1.0', { timeout: 300_000 }, () => {
  let dir: string;
  let runs: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-old-run-'));
    runs = path.join(dir, 'runs');
    cpSync(path.join(root, 'test', 'fixtures', 'runs-0.1.0'), runs, { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test('opens in the Runs view and the tree: status, step, candidates, front, export, fine-tune', async () => {
    const [run] = await listRuns(runs);
    assert.equal(run?.id, ID);
    assert.equal(run.status, 'completed');
    assert.equal(run.step, 12);
    assert.equal(run.candidates, 8);
    assert.ok(run.hasPareto);
    assert.equal(run.exports, 1);
    const subnets = await readRunSubnets(path.join(runs, ID));
    assert.equal(subnets.all.length, 8);
    assert.ok(subnets.front.length >= 1);
    assert.ok(subnets.exported.has(KEY));
    const [ft] = await readFinetunes(path.join(runs, ID));
    assert.equal(ft?.key, KEY);
    assert.ok(ft.finetuned.accuracy > ft.inherited.accuracy);
  });

  void test('exports its fine-tuned subnet, resumes, and searches with what it evaluated', () => {
    const out = path.join(dir, 'ft.onnx');
    const exported = runCli(['export', ID, KEY, '--finetuned', '-o', out, '--runs', runs], dir);
    assert.equal(exported.status, 0, exported.stderr);
    assert.ok(existsSync(out));

    const resumed = runCli(['train', '--resume', ID, '--steps', '16', '--runs', runs], dir);
    assert.equal(resumed.status, 0, resumed.stderr);
    const meta = parseRunMeta(JSON.parse(readFileSync(path.join(runs, ID, 'run.json'), 'utf8')));
    assert.equal(meta?.step, 16);
    assert.equal(meta?.status, 'completed');
    // Written again by this version: with the run folder's format.
    assert.equal(meta?.format, RUN_FORMAT);

    const search = runCli(['search', ID, '--budget', '8', '--runs', runs], dir);
    assert.equal(search.status, 0, search.stderr);
    assert.match(search.stderr, /search completed after 8 evaluations/);
    // The fine-tune is of the step-12 weights: now stale, and said so.
    const stale = runCli(
      ['export', ID, KEY, '--finetuned', '--force', '-o', out, '--runs', runs],
      dir,
    );
    assert.notEqual(stale.status, 0);
    assert.match(
      stale.stderr,
      /started from the weights of step 12; .* trained further since \(step 16\)/,
    );
  });

  void test('a run folder of a newer format is refused with words that say so, and left as it is', () => {
    const newer = path.join(dir, 'newer');
    cpSync(path.join(root, 'test', 'fixtures', 'runs-0.1.0'), newer, { recursive: true });
    const metaFile = path.join(newer, ID, 'run.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(metaFile, JSON.stringify({ ...meta, format: RUN_FORMAT + 1 }));
    const before = readFileSync(metaFile, 'utf8');
    const r = runCli(['search', ID, '--budget', '8', '--runs', newer], dir);
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      new RegExp(`written by a newer Supernet Studio \\(run folder format ${RUN_FORMAT + 1}\\)`),
    );
    assert.equal(readFileSync(metaFile, 'utf8'), before);
  });
});
