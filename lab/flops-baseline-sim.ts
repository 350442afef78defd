#!/usr/bin/env node
// How well could counting FLOPs rank the subnets of another reference space? Issue #11 asks
// for a supernet whose τ interval lies above the FLOPs baseline's τ; on the shipped table
// FLOPs alone reach τ 0.79, above the table's noise ceiling. Before spending hours of CPU
// on a second truth table, this estimates the FLOPs baseline of candidate spaces from the
// shipped one:
//  1. a linear model of stand-alone accuracy in the architecture's decisions (resolution,
//     and per stage depth, width, mean kernel size and mean expand ratio), least squares on
//     data/ranking/ranking.truth.json (two-seed means);
//  2. per candidate space, the benchmark's draw (K subnets stratified by FLOPs, plus the
//     smallest and the largest), the model's accuracies plus the table's seed noise for a
//     two-seed mean, 500 draws of that noise: the FLOPs τ-b's median and 5–95% range, and
//     the spread of the predicted accuracies against the noise, and the noise ceiling (τ
//     between two seeds' accuracies, each with the seed noise).
// The model extrapolates linearly beyond the table's widths and kernels: a guide to which
// spaces are worth a truth table, not a measurement.
//
//   npx tsc -b && node out/lab/flops-baseline-sim.js [--subnets 20]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArchKey, type Arch } from '#shared/arch';
import { Rng } from '#shared/rng';
import { resolveConfig } from '../server/src/config/resolve';
import type { TruthTable } from '../server/src/engine/ranking/truthTable';
import { kendallTauB } from '../server/src/engine/search/rankCorrelation';
import { largestArch, resolutions as resolutionsOf, smallestArch } from '../server/src/space/arch';
import { spaceDecisions } from '../server/src/space/decisions';
import { subnetCost } from '../server/src/space/facts';
import { stratifiedArchs } from '../server/src/space/stratifiedArchs';

const root = path.resolve(__dirname, '../..');
const i = process.argv.indexOf('--subnets');
const K = i > 0 ? Number(process.argv[i + 1]) : 20;
const table = JSON.parse(
  fs.readFileSync(path.join(root, 'data', 'ranking', 'ranking.truth.json'), 'utf8'),
) as TruthTable;
const resolutions = resolutionsOf(table.space, table.task);

/** Decision features: one indicator per resolution above the lowest; per stage d, w, k̄, ē. */
function features(arch: Arch): number[] {
  const f: number[] = resolutions.slice(1).map((r) => (arch.resolution === r ? 1 : 0));
  for (const s of arch.stages) {
    const mean = (key: 'kernel' | 'expand') =>
      s.blocks.reduce((t, b) => t + b[key], 0) / s.blocks.length;
    f.push(s.blocks.length, s.width, mean('kernel'), mean('expand'));
  }
  return [1, ...f];
}

/** Least squares by the normal equations (a handful of features, a few dozen rows). */
function fit(X: number[][], y: number[]): number[] {
  const n = X[0].length;
  const A = [...Array(n)].map((_, r) => [
    ...[...Array(n)].map((_, c) => X.reduce((t, x) => t + x[r] * x[c], 0) + (r === c ? 1e-9 : 0)),
    X.reduce((t, x, k) => t + x[r] * y[k], 0),
  ]);
  for (let c = 0; c < n; c++) {
    const p = A.reduce(
      (best, row, r) => (r >= c && Math.abs(row[c]) > Math.abs(A[best][c]) ? r : best),
      c,
    );
    [A[c], A[p]] = [A[p], A[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const m = A[r][c] / A[c][c];
      for (let k = c; k <= n; k++) A[r][k] -= m * A[c][k];
    }
  }
  return A.map((row, r) => row[n] / row[r]);
}

const rows = table.subnets.map((s) => ({
  arch: parseArchKey(s.key)!,
  x: features(parseArchKey(s.key)!),
  y: (100 * s.accuracy.reduce((a: number, b) => a + b!, 0)) / s.accuracy.length,
  seeds: s.accuracy,
}));
const beta = fit(
  rows.map((r) => r.x),
  rows.map((r) => r.y),
);
const predict = (arch: Arch): number => features(arch).reduce((t, v, k) => t + v * beta[k], 0);
const residual = Math.sqrt(
  rows.reduce((t, r) => t + (r.y - predict(r.arch)) ** 2, 0) / rows.length,
);
const pairs = rows.filter((r) => r.seeds.length === 2);
const seedSd = Math.sqrt(
  pairs.reduce((t, r) => t + (100 * (r.seeds[0]! - r.seeds[1]!)) ** 2, 0) / (2 * pairs.length),
);
const meanNoise = seedSd / Math.SQRT2;

const base = fs.readFileSync(path.join(root, 'examples', 'ranking.supernet.yaml'), 'utf8');
const space = ([res, w1, k1, w2, k2]: string[]): string =>
  `space:\n  resolution: ${res}\n  stem: { width: 8, kernel: 3, stride: 2 }\n  stages:\n` +
  `    - { depth: [1, 2], width: ${w1}, kernel: ${k1}, expand: [1, 4], stride: 2 }\n` +
  `    - { depth: [1, 2], width: ${w2}, kernel: ${k2}, expand: [1, 4], stride: 2 }\n` +
  `  head: { width: 64 }\n`;
// name: [resolution, stage-1 widths, stage-1 kernels, stage-2 widths, stage-2 kernels]
const candidates: Record<string, string[]> = {
  'shipped (ranking-ref)': ['[14, 21, 28]', '[8, 16, 24]', '[3, 5]', '[16, 32, 48]', '[3, 5]'],
  'stage-2 width 16–96, stage 1 fixed': [
    '[14, 21, 28]',
    '[16]',
    '[3, 5]',
    '[16, 48, 96]',
    '[3, 5]',
  ],
  'stage-2 width 16–96, kernel 3–7': [
    '[14, 21, 28]',
    '[16]',
    '[3, 5]',
    '[16, 48, 96]',
    '[3, 5, 7]',
  ],
  'stage-2 width 16–128, kernel 3–7': [
    '[14, 21, 28]',
    '[8, 16]',
    '[3, 5]',
    '[16, 64, 128]',
    '[3, 5, 7]',
  ],
  'resolution 28 only, stage-2 width 16–96': [
    '[28]',
    '[8, 16, 24]',
    '[3, 5]',
    '[16, 48, 96]',
    '[3, 5, 7]',
  ],
  'resolution 21–28, stage-2 width 16–128': [
    '[21, 28]',
    '[16]',
    '[3, 5]',
    '[16, 64, 128]',
    '[3, 5, 7]',
  ],
};

const lines = [
  `model: least squares on ${rows.length} subnets of data/ranking/ranking.truth.json, residual SD ${residual.toFixed(2)} points;` +
    ` seed SD ${seedSd.toFixed(2)} points (${pairs.length} pairs), so ${meanNoise.toFixed(2)} on a two-seed mean`,
  `draw: ${K} subnets stratified by FLOPs + the smallest and the largest; 500 noise draws`,
  '',
  '| space | FLOPs span | predicted SD / seed SD | FLOPs τ-b, median | 5–95% | noise ceiling (seed vs seed τ), median |',
  '|---|---|---|---|---|---|',
];
for (const [name, choices] of Object.entries(candidates)) {
  const config = resolveConfig(base.replace(/space:\n( {2}.*\n)+/, space(choices))).config;
  const flopsOf = (a: Arch): number => subnetCost(config.space, config.task, a).flops;
  const archs = [
    ...stratifiedArchs(spaceDecisions(config.space, config.task), flopsOf, K, 2026),
    smallestArch(config.space, config.task),
    largestArch(config.space, config.task),
  ];
  const flops = archs.map(flopsOf);
  const acc = archs.map(predict);
  const rng = new Rng(1);
  const noisy = (sd: number): number[] => acc.map((a) => a + sd * rng.normal());
  const taus = [...Array(500)]
    .map(() => kendallTauB(flops, noisy(meanNoise)))
    .sort((a, b) => a - b);
  const ceiling = [...Array(500)]
    .map(() => kendallTauB(noisy(seedSd), noisy(seedSd)))
    .sort((a, b) => a - b);
  const m = acc.reduce((a, b) => a + b, 0) / acc.length;
  const sd = Math.sqrt(acc.reduce((t, a) => t + (a - m) ** 2, 0) / acc.length);
  const span = Math.max(...flops) / Math.min(...flops);
  lines.push(
    `| ${name} | ${span.toFixed(0)}× | ${(sd / seedSd).toFixed(1)} | ${taus[250].toFixed(2)} | ${taus[25].toFixed(2)}–${taus[475].toFixed(2)} | ${ceiling[250].toFixed(2)} |`,
  );
}
process.stdout.write(lines.join('\n') + '\n');
