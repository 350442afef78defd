// Ranking maturity on a space with no benchmark table: every epoch ends with the probe
// set's order compared with the previous epoch's (engine/ranking/rankingStability.ts), in
// the run's events, where the Ranking tab and the Runs tree read it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseEngineEvent, STABLE_TAU, type StabilityEvent } from '#shared/protocol/engine';
import { readJsonLinesFile } from '#shared/runFolder/appendLog';
import { RunPaths } from '#shared/runFolder/layout';
import { microConfig, root } from './microRun';

const subset = path.join(root, 'data', 'fashion-mnist-subset');

/** The bundled test split cut to its first `n` images, as IDX files of a folder. */
function smallFashionMnist(dir: string, n: number): void {
  mkdirSync(dir);
  for (const [name, header, bytes] of [
    ['t10k-images-idx3-ubyte', 16, 28 * 28],
    ['t10k-labels-idx1-ubyte', 8, 1],
  ] as const) {
    const full = gunzipSync(readFileSync(path.join(subset, `${name}.gz`)));
    const cut = Buffer.from(full.subarray(0, header + n * bytes));
    cut.writeUInt32BE(n, 4);
    writeFileSync(path.join(dir, name), cut);
  }
}

void test('every epoch of a run on its own space says whether its ranking has settled', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'supernet-stability-'));
  try {
    smallFashionMnist(path.join(dir, 'data'), 240);
    writeFileSync(
      path.join(dir, 'own.supernet.yaml'),
      microConfig({
        name: 'own',
        task: '{ dataset: fashion-mnist, path: ./data, validationSplit: 0.2 }',
        train: 'epochs: 3, batchSize: 16, seed: 3, sampler: { type: sandwich, subnets: 3 }',
      }),
    );
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'bin', 'supernet.js'), 'train', 'own.supernet.yaml', '--runs', 'runs'],
      { cwd: dir, encoding: 'utf8', timeout: 300_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const run = new RunPaths(path.join(dir, 'runs', readdirSync(path.join(dir, 'runs'))[0]));
    const events = readJsonLinesFile(run.eventsFile, parseEngineEvent);
    const stability = events.filter((e): e is StabilityEvent => e.type === 'stability');
    assert.deepEqual(
      stability.map((e) => e.epoch),
      [1, 2, 3],
    );
    // The micro space has 12 subnets: the probe is all of them.
    assert.ok(
      stability.every((e) => e.probe === 12),
      JSON.stringify(stability),
    );
    assert.equal(stability[0].kendallTau, null);
    assert.equal(stability[0].settled, false);
    for (const e of stability.slice(1)) {
      assert.ok(e.kendallTau !== null && e.kendallTau >= -1 && e.kendallTau <= 1);
      assert.equal(e.settled, e.kendallTau >= STABLE_TAU);
    }
    // After the epoch's own evaluation, before the next step.
    const order = events.map((e) => e.type);
    assert.ok(order.indexOf('stability') > order.indexOf('epoch'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
