import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { archKey } from '#shared/arch';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { stratifiedArchs } from '../../../../server/src/space/stratifiedArchs';
import { spaceDecisions } from '../../../../server/src/space/decisions';
import {
  loadTruthTable,
  shippedTablesDir,
  tableMatches,
  tableNoise,
  truthOf,
  truthTableFor,
  validateTruthTable,
  type TruthTable,
} from '../../../../server/src/engine/ranking/truthTable';
import { subnetCost } from '../../../../server/src/space/facts';

const ROOT = path.join(__dirname, '..', '..', '..', '..', '..');
const exampleConfig = () =>
  resolveConfig(readFileSync(path.join(ROOT, 'examples', 'ranking.supernet.yaml'), 'utf8')).config;

/** A valid table of 20 subnets of the reference space, accuracies made up for the checks. */
function madeUpTable(): TruthTable {
  const c = exampleConfig();
  const flopsOf = (a: Parameters<typeof archKey>[0]) => subnetCost(c.space, c.task, a).flops;
  const archs = stratifiedArchs(spaceDecisions(c.space, c.task), flopsOf, 20, 1);
  return {
    format: 1,
    name: 'made-up',
    config: 'examples/ranking.supernet.yaml',
    task: c.task,
    space: c.space,
    recipe: { epochs: 1, seeds: [0, 1], splitSeed: 0, train: {}, bnRecalibrationBatches: 4 },
    subnets: archs.map((a, i) => ({
      key: archKey(a),
      flops: flopsOf(a),
      params: subnetCost(c.space, c.task, a).params,
      accuracy: [0.8 + i / 200, i < 3 ? [0.81, 0.83, 0.84][i] : null],
      seconds: [1, i < 3 ? 1 : null],
    })),
    generated: { by: 'test', version: '0', time: '', seconds: 0 },
  };
}

const copy = (t: TruthTable): TruthTable => JSON.parse(JSON.stringify(t)) as TruthTable;

void test('a valid table passes; each broken field is named', () => {
  const good = madeUpTable();
  assert.equal(validateTruthTable(copy(good), 'f.json').subnets.length, 20);
  const broken: [string, (t: TruthTable) => void, RegExp][] = [
    ['too few', (t) => t.subnets.pop(), /f\.json: subnets: 19 subnets; a table needs at least 20/],
    ['flops', (t) => (t.subnets[4].flops += 1), /subnets\[4\]\.flops: .* but the space gives/],
    ['key', (t) => (t.subnets[2].key = 'r99-x'), /subnets\[2\]\.key/],
    ['twice', (t) => (t.subnets[5] = { ...t.subnets[6] }), /subnets\[6\]\.key: .* appears twice/],
    [
      'accuracy',
      (t) => (t.subnets[1].accuracy[1] = 1.5),
      /subnets\[1\]\.accuracy\[1\]: 1\.5 is not/,
    ],
    ['first seed', (t) => (t.subnets[0].accuracy[0] = null), /subnets\[0\]\.accuracy\[0\]/],
    ['format', (t) => (t.format = 2), /format: is 2; this version reads format 1/],
  ];
  for (const [what, breakIt, message] of broken) {
    const t = copy(good);
    breakIt(t);
    assert.throws(() => validateTruthTable(t, 'f.json'), message, what);
  }
});

void test('truth is the mean over seeds; the noise from the paired seeds', () => {
  const t = madeUpTable();
  const truth = truthOf(t);
  assert.ok(Math.abs(truth[0].accuracy - (0.8 + 0.81) / 2) < 1e-12);
  assert.equal(truth[5].accuracy, 0.8 + 5 / 200);
  // seed 0: 0.800, 0.805, 0.810; seed 1: 0.81, 0.83, 0.84 → same order: τ 1.
  const n = tableNoise(t);
  assert.equal(n.pairs, 3);
  assert.equal(n.noiseCeiling, 1);
  // differences −0.010, −0.025, −0.030: σ = √(mean d² / 2) = √((1 + 6.25 + 9)e-4 / 3 / 2).
  assert.ok(Math.abs(n.seedSd - Math.sqrt(16.25e-4 / 6)) < 1e-12);
});

void test('a table ranks runs of its space and task whatever their seeds', () => {
  const t = madeUpTable();
  const c = exampleConfig();
  assert.ok(tableMatches(t, c));
  assert.ok(
    tableMatches(t, { ...c, task: { ...c.task, splitSeed: 3 }, train: { ...c.train, seed: 9 } }),
  );
  assert.ok(!tableMatches(t, { ...c, space: { ...c.space, resolution: [14, 28] } }));
  assert.ok(!tableMatches(t, { ...c, task: { ...c.task, validationSplit: 0.2 } }));
});

void test('the shipped table loads, validates and belongs to examples/ranking.supernet.yaml', () => {
  const dir = shippedTablesDir(__dirname);
  assert.ok(dir, 'data/ranking is found');
  const table = truthTableFor(exampleConfig(), dir);
  assert.ok(table, 'the reference space has a table');
  const again = loadTruthTable(path.join(dir, 'ranking.truth.json'));
  assert.equal(again.name, table.name);
  const flops = table.subnets.map((s) => s.flops);
  assert.ok(Math.max(...flops) / Math.min(...flops) >= 20, 'the table spans the FLOPs range');
  const n = tableNoise(table);
  assert.ok(n.pairs >= 4, 'at least 4 subnets with a second seed');
  assert.ok(n.spreadSd >= 3 * n.seedSd, `stand-alone SD ${n.spreadSd} ≥ 3 × seed SD ${n.seedSd}`);
});
