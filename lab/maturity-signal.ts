#!/usr/bin/env node
// Purpose: does ranking stability (τ between consecutive epochs' inherited accuracies of a
// fixed probe set) settle when the true τ does? Reads the shipped benchmark runs, which
// kept every epoch's inherited accuracies, and reports per run the epoch the signal fires
// (τ ≥ threshold) against the epoch τ settles (within 0.05 of its final value from then
// on), the gap left when it fires, and the pooled correlation. Issue #25, item 6.
//
//   npx tsc -b && node out/lab/maturity-signal.js [--threshold 0.85] [--svg lab/results/maturity-signal.svg] \
//     lab/results/ranking/ref-recipes/*.json lab/results/ranking/alt-default/default.json > lab/results/maturity-signal.txt
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RankingBench } from '../server/src/bench/benchRanking';
import { kendallTauB, spearmanRho } from '../server/src/engine/search/rankCorrelation';

const args = process.argv.slice(2);
function take(name: string): string | undefined;
function take(name: string, fallback: string): string;
function take(name: string, fallback?: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args.splice(i, 2)[1];
}
const threshold = Number(take('threshold', '0.85'));
const svgFile = take('svg');

/** One seed of a run: its per-epoch stability and true τ. */
interface SeedCurves {
  name: string;
  table: string;
  stability: number[];
  tau: number[];
}

const runs: SeedCurves[] = [];
for (const file of args) {
  const r = JSON.parse(readFileSync(file, 'utf8')) as RankingBench;
  for (const s of r.seeds) {
    if (!s.epochs[0]?.inherited) continue; // results written before epochs kept them
    const keys = Object.keys(s.epochs[0].inherited);
    let previous: number[] | undefined;
    const stability: number[] = [];
    const tau: number[] = [];
    for (const e of s.epochs) {
      const now = keys.map((k) => e.inherited[k]);
      stability.push(previous ? kendallTauB(previous, now) : NaN);
      tau.push(e.kendallTau);
      previous = now;
    }
    runs.push({
      name: `${path.basename(path.dirname(file))}/${path.basename(file, '.json')} seed ${s.seed}`,
      table: r.table,
      stability,
      tau,
    });
  }
}

const lines = [
  `threshold ${threshold}: stability = τ-b between consecutive epochs' inherited accuracies of the table's subnets`,
];
lines.push(
  '| run | table | epochs | τ settles (±0.05 of final) | signal fires | final τ − τ when it fires | final τ |',
);
lines.push('|---|---|---|---|---|---|---|');
const gaps: number[] = [];
for (const r of runs) {
  const n = r.tau.length;
  const final = r.tau[n - 1];
  let settles = n;
  for (let e = n - 1; e >= 0 && r.tau.slice(e).every((t) => t >= final - 0.05); e--)
    settles = e + 1;
  const fires = r.stability.findIndex((v) => v >= threshold);
  const gap = fires < 0 ? NaN : final - r.tau[fires];
  if (fires >= 0) gaps.push(gap);
  lines.push(
    `| ${r.name} | ${r.table} | ${n} | ${settles} | ${fires < 0 ? 'never' : fires + 1} | ${Number.isNaN(gap) ? '–' : gap.toFixed(2)} | ${final.toFixed(2)} |`,
  );
}
const xs: number[] = [];
const ys: number[] = [];
for (const r of runs)
  for (let e = 1; e < r.tau.length; e++) {
    xs.push(r.stability[e]);
    ys.push(r.tau[r.tau.length - 1] - r.tau[e]);
  }
lines.push(
  '',
  `pooled over ${xs.length} epochs of ${runs.length} runs: Spearman ρ(stability, final τ − τ) ${spearmanRho(xs, ys).toFixed(2)}, Kendall τ ${kendallTauB(xs, ys).toFixed(2)}`,
  `when the signal fired (${gaps.length} of ${runs.length} runs): final τ − τ at most ${Math.max(...gaps).toFixed(2)}, mean ${(gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(3)}`,
);
process.stdout.write(lines.join('\n') + '\n');

if (svgFile) {
  // One panel: stability (dashed) and true τ (solid) per epoch, a colour per run.
  const w = 760,
    h = 420,
    m = 40;
  const maxE = Math.max(...runs.map((r) => r.tau.length));
  const x = (e: number): number => m + ((e - 1) / (maxE - 1)) * (w - 2 * m);
  const y = (v: number): number => h - m - ((v + 0.2) / 1.2) * (h - 2 * m);
  const colours = [
    '#1f77b4',
    '#ff7f0e',
    '#2ca02c',
    '#d62728',
    '#9467bd',
    '#8c564b',
    '#e377c2',
    '#7f7f7f',
    '#bcbd22',
    '#17becf',
  ];
  const path_ = (vs: number[]): string =>
    vs
      .map((v, i) => (Number.isFinite(v) ? `${x(i + 1)},${y(v)}` : null))
      .filter(Boolean)
      .join(' ');
  const parts = runs.map((r, i) => {
    const c = colours[i % colours.length];
    return (
      `<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${path_(r.tau)}"/>` +
      `<polyline fill="none" stroke="${c}" stroke-width="1.5" stroke-dasharray="4 3" points="${path_(r.stability)}"/>`
    );
  });
  const grid = [0, 0.2, 0.4, 0.6, 0.8, 1].map(
    (v) =>
      `<line x1="${m}" x2="${w - m}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="4" y="${y(v) + 4}" font-size="11">${v.toFixed(1)}</text>`,
  );
  const ticks = Array.from(
    { length: maxE },
    (_, i) => `<text x="${x(i + 1) - 3}" y="${h - m + 16}" font-size="11">${i + 1}</text>`,
  );
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${grid.join('')}${ticks.join('')}` +
    `<line x1="${m}" x2="${w - m}" y1="${y(threshold)}" y2="${y(threshold)}" stroke="#000" stroke-dasharray="1 3"/>` +
    `<text x="${m + 4}" y="18" font-size="13">solid: true τ per epoch · dashed: stability (τ vs previous epoch) · dotted: threshold ${threshold}</text>` +
    `<text x="${w / 2 - 20}" y="${h - 6}" font-size="12">epoch</text>${parts.join('')}</svg>`;
  writeFileSync(svgFile, svg);
}
