import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
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
import * as ort from '../../server/src/engine/onnx/runtime';
import { kendallTauB } from '../../server/src/engine/search/rankCorrelation';
import { constrainedDominates } from '../../server/src/engine/search/dominance';
import type { ParetoFile, RankFile } from '#shared/runFolder/records';
import type { EngineEvent } from '#shared/protocol/engine';
import { eventsOf } from './microRun';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'bin', 'supernet.js');

/** A micro supernet trained for a few steps: every search and export path in seconds. */
const CONFIG = `name: micro
task: { dataset: fashion-mnist, input: [28, 28, 1], classes: 10, validationSplit: 0.02 }
space:
  resolution: [20, 28]
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2], stride: 2 }
  head: { width: 16 }
train:
  steps: 16
  batchSize: 32
  optimizer: { type: sgd, lr: 0.05, momentum: 0.9 }
  sampler: { type: sandwich, subnets: 3 }
  distillation: true
  seed: 1
search:
  objectives: { accuracy: max, flops: min }
  constraints: ["flops <= 150k"]
  population: 4
  generations: 3
  bnRecalibrationBatches: 2
`;

function cliRun(args: string[], cwd: string) {
  return spawnSync(process.execPath, [cli, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
  });
}

void describe('supernet search, export and rank on a trained run', () => {
  let dir: string;
  let runs: string;
  let runDir: string;
  let runId: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-search-'));
    runs = path.join(dir, 'runs');
    const config = path.join(dir, 'micro.supernet.yaml');
    writeFileSync(config, CONFIG);
    const r = cliRun(['train', config, '--runs', runs, '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    runId = readdirSync(runs)[0];
    runDir = path.join(runs, runId);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let firstFront: ParetoFile | undefined;

  void test('NSGA-II evaluates the budget, streams generations and writes pareto.json', () => {
    const r = cliRun(['search', runId, '--runs', runs, '--budget', '12', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const events = eventsOf(r.stdout);
    assert.equal(events[0].type, 'search-start');
    const candidates = events.filter((e) => e.type === 'candidate');
    assert.equal(candidates.length, 12);
    assert.ok(candidates.every((e) => e.type === 'candidate' && !e.cached));
    const hv = events.flatMap((e) => (e.type === 'generation' ? [e.hypervolume] : []));
    assert.equal(hv.length, 3);
    for (let i = 1; i < hv.length; i++) assert.ok(hv[i] >= hv[i - 1], `hypervolume fell: ${hv}`);
    const end = events[events.length - 1];
    assert.ok(end.type === 'search-end' && end.status === 'completed');

    const pareto = JSON.parse(readFileSync(path.join(runDir, 'pareto.json'), 'utf8')) as ParetoFile;
    assert.equal(pareto.evaluations, 12);
    assert.equal(pareto.hypervolume, hv[hv.length - 1]);
    assert.ok(pareto.front.length >= 1);
    // Every point on the front meets the constraint, and none dominates another.
    for (const p of pareto.front) assert.ok(p.feasible && p.flops <= 150_000);
    const scores = pareto.front.map((p) => ({ objectives: [-p.accuracy, p.flops], violation: 0 }));
    for (const a of scores)
      for (const b of scores)
        assert.ok(!constrainedDominates(a, b), 'a dominated point is on the front');
    const lines = readFileSync(path.join(runDir, 'candidates.jsonl'), 'utf8').trim().split('\n');
    assert.equal(new Set(lines.map((l) => (JSON.parse(l) as { key: string }).key)).size, 12);
    assert.ok(existsSync(path.join(runDir, 'search-events.jsonl')));
    firstFront = pareto;
  });

  void test('a repeated search reuses candidates.jsonl and finds the same front', () => {
    const before = readFileSync(path.join(runDir, 'candidates.jsonl'), 'utf8');
    const r = cliRun(['search', runId, '--runs', runs, '--budget', '12', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const candidates = eventsOf(r.stdout).filter((e) => e.type === 'candidate');
    assert.ok(candidates.every((e) => e.type === 'candidate' && e.cached));
    assert.equal(readFileSync(path.join(runDir, 'candidates.jsonl'), 'utf8'), before);
    const pareto = JSON.parse(readFileSync(path.join(runDir, 'pareto.json'), 'utf8')) as ParetoFile;
    assert.deepEqual(
      pareto.front.map((p) => p.key),
      firstFront?.front.map((p) => p.key),
    );
    assert.equal(pareto.hypervolume, firstFront?.hypervolume);
  });

  void test('random search runs under the same budget and reference point', () => {
    const r = cliRun(
      ['search', runId, '--runs', runs, '--algorithm', 'random', '--budget', '8', '--json'],
      dir,
    );
    assert.equal(r.status, 0, r.stderr);
    const pareto = JSON.parse(readFileSync(path.join(runDir, 'pareto.json'), 'utf8')) as ParetoFile;
    assert.equal(pareto.algorithm, 'random');
    assert.equal(pareto.evaluations, 8);
    assert.deepEqual(pareto.referencePoint, firstFront?.referencePoint);
  });

  void test('every subnet on the front exports, opens in onnxruntime-node and keeps its accuracy', async () => {
    assert.ok(firstFront);
    for (const p of firstFront.front) {
      const file = path.join(dir, `${p.key}.onnx`);
      const r = cliRun(['export', runId, p.key, '-o', file, '--runs', runs, '--json'], dir);
      assert.equal(r.status, 0, r.stderr);
      const done = eventsOf(r.stdout).find((e) => e.type === 'export');
      assert.ok(done && done.type === 'export');
      assert.equal(done.onnxAccuracy, p.accuracy);
      assert.equal(done.recordedAccuracy, p.accuracy);
      assert.ok(done.maxAbsDiff < 1e-3);
      const sidecar = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as Record<string, unknown>;
      assert.equal(sidecar.archKey, p.key);
      assert.equal(sidecar.accuracy, p.accuracy);
      assert.equal(sidecar.sourceRun, runId);
      assert.equal(sidecar.flops, p.flops);
      const session = await ort.InferenceSession.create(file);
      const out = await session.run({
        images: new ort.Tensor('float32', new Float32Array(2 * 28 * 28), [2, 1, 28, 28]),
      });
      assert.deepEqual(out.logits.dims, [2, 10]);
      await session.release();
    }
  });

  void test('--best-under picks the most accurate evaluated subnet within the bound', () => {
    const candidates = readFileSync(path.join(runDir, 'candidates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; accuracy: number; flops: number });
    const bound = 100_000;
    const within = candidates.filter((c) => c.flops <= bound);
    assert.ok(within.length > 0, 'the micro space has subnets under 100k MACs');
    const best = Math.max(...within.map((c) => c.accuracy));
    const r = cliRun(
      ['export', runId, '--best-under', 'flops=100k', '--runs', runs, '--json'],
      dir,
    );
    assert.equal(r.status, 0, r.stderr);
    const done = eventsOf(r.stdout).find((e) => e.type === 'export');
    assert.ok(done && done.type === 'export');
    assert.equal(done.onnxAccuracy, best);
    assert.ok(done.file.startsWith(path.join(runDir, 'exports')));
  });

  void test('an export that cannot be written fails first and leaves nothing behind', () => {
    const notAFolder = path.join(dir, 'plain-file');
    writeFileSync(notAFolder, 'x');
    const key = firstFront?.front[0].key ?? '';
    for (const target of [path.join(dir, 'missing', 'x.onnx'), path.join(notAFolder, 'x.onnx')]) {
      const r = cliRun(['export', runId, key, '-o', target, '--runs', runs], dir);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /Cannot write .*x\.onnx/);
      assert.ok(!existsSync(target));
    }
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')));
  });

  void test('bad runs and impossible constraints are refused before any evaluation', () => {
    // No checkpoint.
    const bare = path.join(runs, 'bare');
    cpSync(runDir, bare, { recursive: true });
    rmSync(path.join(bare, 'checkpoint'), { recursive: true });
    let r = cliRun(['search', 'bare', '--runs', runs], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no checkpoint/);

    // A checkpoint of another space.
    const other = path.join(runs, 'other');
    cpSync(runDir, other, { recursive: true });
    const cfg = path.join(other, 'config.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('width: [8, 16]', 'width: [8, 24]'));
    r = cliRun(['search', 'other', '--runs', runs], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not match its config's search space/);

    // A constraint below the smallest subnet.
    const tight = path.join(runs, 'tight');
    cpSync(runDir, tight, { recursive: true });
    rmSync(path.join(tight, 'candidates.jsonl'));
    const tcfg = path.join(tight, 'config.yaml');
    writeFileSync(tcfg, readFileSync(tcfg, 'utf8').replace('flops <= 150k', 'flops <= 1k'));
    r = cliRun(['search', 'tight', '--runs', runs, '--json'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stdout + r.stderr, /smallest subnet[^\n]*\d/);
    assert.ok(!eventsOf(r.stdout).some((e) => e.type === 'candidate'));
    assert.ok(
      !existsSync(path.join(tight, 'candidates.jsonl')) ||
        readFileSync(path.join(tight, 'candidates.jsonl'), 'utf8') === '',
    );
  });

  void test('rank trains subnets from scratch and reports Kendall tau and Spearman rho', () => {
    const r = cliRun(
      ['rank', runId, '--runs', runs, '--subnets', '3', '--epochs', '0.01', '--json'],
      dir,
    );
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(readFileSync(path.join(runDir, 'rank.json'), 'utf8')) as RankFile;
    assert.equal(result.subnets.length, 3);
    assert.equal(new Set(result.subnets.map((s) => s.key)).size, 3);
    for (const s of result.subnets) {
      assert.ok(s.standaloneAccuracy > 0 && s.standaloneAccuracy <= 1);
      assert.ok(s.supernetAccuracy > 0 && s.supernetAccuracy <= 1);
    }
    assert.ok(Number.isNaN(result.kendallTau) || Math.abs(result.kendallTau) <= 1);
    // Beside τ, its bootstrap interval and the trivial baseline: τ of FLOPs and stand-alone.
    const byFlops = kendallTauB(
      result.subnets.map((s) => s.flops),
      result.subnets.map((s) => s.standaloneAccuracy),
    );
    assert.equal(result.flopsKendallTau ?? NaN, Number.isNaN(byFlops) ? NaN : byFlops);
    assert.equal(result.kendallTauInterval?.length, 2);
    // Every cheap baseline on the same subnets, the best of them and the paired interval.
    assert.deepEqual(
      result.baselines?.map((b) => b.name),
      ['macs', 'params', 'naswot', 'synflow', 'gradNorm'],
    );
    assert.ok(result.baselines?.some((b) => b.name === result.bestBaseline?.name));
    assert.equal(result.baselineAdvantageInterval?.length, 2);
    // --json: the job's events, one a line, as for train and search.
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EngineEvent);
    assert.equal(events.filter((e) => e.type === 'ranked').length, 3);
    const end = events.at(-1);
    assert.ok(end?.type === 'rank-end' && end.status === 'completed');
    assert.equal(end.kendallTau, result.kendallTau);
    assert.equal(end.subnets, 3);
    assert.equal(end.rankFile, path.join(runDir, 'rank.json'));
    assert.deepEqual(end.bestBaseline, result.bestBaseline);

    // Again: every subnet was trained alone before with this recipe, and is not trained again.
    const again = cliRun(
      ['rank', runId, '--runs', runs, '--subnets', '3', '--epochs', '0.01', '--json'],
      dir,
    );
    assert.equal(again.status, 0, again.stderr);
    const second = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EngineEvent);
    assert.ok(
      second.some(
        (e) => e.type === 'log' && /3 of 3 subnets were trained alone before/.test(e.message),
      ),
    );
    assert.equal(second.filter((e) => e.type === 'rank-progress').length, 0, 'trained again');
    const reread = JSON.parse(readFileSync(path.join(runDir, 'rank.json'), 'utf8')) as RankFile;
    assert.deepEqual(
      reread.subnets.map((s) => s.standaloneAccuracy),
      result.subnets.map((s) => s.standaloneAccuracy),
    );
  });

  void test('a ranking check stopped mid-way writes nothing, and the next one resumes from its cache', async () => {
    const before = readFileSync(path.join(runDir, 'rank.json'), 'utf8');
    const args = [
      'rank',
      runId,
      '--runs',
      runs,
      '--subnets',
      '5',
      '--epochs',
      '0.02',
      '--seed',
      '11',
      '--json',
    ];
    const child = spawn(process.execPath, [cli, ...args], { cwd: dir });
    let out = '';
    const stopped = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      // Stop once the first subnet has been trained alone (and so kept in the cache).
      if (/"type":"ranked"/.test(out) && !child.killed) child.kill('SIGINT');
    });
    const code = await stopped;
    const first = eventsOf(out);
    const trained = first.filter((e) => e.type === 'ranked').length;
    assert.ok(trained >= 1 && trained < 5, `${trained} subnets ranked before the stop`);
    const end = first.at(-1);
    assert.ok(end?.type === 'rank-end' && end.status === 'cancelled', JSON.stringify(end));
    assert.equal(code, 130);
    assert.equal(
      readFileSync(path.join(runDir, 'rank.json'), 'utf8'),
      before,
      'rank.json untouched',
    );

    const again = cliRun(args, dir);
    assert.equal(again.status, 0, again.stderr);
    const second = eventsOf(again.stdout);
    const reused = second.find(
      (e) => e.type === 'log' && /subnets were trained alone before/.test(e.message),
    );
    assert.ok(
      reused?.type === 'log' && reused.message.startsWith(`${trained} of 5`),
      reused && JSON.stringify(reused),
    );
    // Only the subnets not finished before the stop are trained now.
    const trainedNow = new Set(second.flatMap((e) => (e.type === 'rank-progress' ? [e.key] : [])));
    assert.equal(trainedNow.size, 5 - trained);
    const done = second.at(-1);
    assert.ok(done?.type === 'rank-end' && done.status === 'completed' && done.subnets === 5);
  });
});
