#!/usr/bin/env node
// Purpose: is a benchmark table's 2-epoch stand-alone ranking the ranking that matters?
// Trains subnets of a shipped table alone for longer (default 8 epochs), one training at a
// time, and compares the two orders (Kendall τ-b with a 95% bootstrap interval over the
// subnets). Issue #25, item 3. Resumable: finished trainings are kept in the results file.
//
//   npm run build && npx tsc -b && node out/lab/truth-validity.js \
//     [--table data/ranking/ranking.truth.json] [--config examples/ranking.supernet.yaml] \
//     [--subnets 10] [--epochs 8] [--seed 0] [--out lab/results/truth-validity-ref.jsonl] \
//     [--compare 0,1]
// trains what `--seed` lacks, then compares the table with the mean of the long trainings of
// the `--compare` seeds (default: `--seed` alone), and gives the long seeds' own agreement.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TruthJob } from '../server/src/bench/rankingTruth';
import { loadTruthTable } from '../server/src/engine/ranking/truthTable';
import { kendallTauB } from '../server/src/engine/search/rankCorrelation';
import { bootstrapInterval } from '../server/src/engine/search/rankingStats';

const root = path.resolve(__dirname, '../..');

const args = process.argv.slice(2);
function arg(name: string): string | undefined;
function arg(name: string, fallback: string): string;
function arg(name: string, fallback?: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}
const tableFile = arg('table', 'data/ranking/ranking.truth.json');
const config = arg('config', 'examples/ranking.supernet.yaml');
const count = Number(arg('subnets', '10'));
const epochs = Number(arg('epochs', '8'));
const seed = Number(arg('seed', '0'));
const results = arg('out', 'lab/results/truth-validity-ref.jsonl');

const table = loadTruthTable(path.resolve(root, tableFile));
// Spread over the table's MACs: every (K − 1)/(n − 1)-th subnet in MACs order.
const byMacs = [...table.subnets].sort((a, b) => a.flops - b.flops);
const picked = Array.from(
  { length: count },
  (_, i) => byMacs[Math.round((i * (byMacs.length - 1)) / (count - 1))],
);

/** A line of the results: one long training (a truth job's output, with its table and time). */
interface LongTraining extends TruthJob {
  accuracy: number;
  seconds: number;
  table: string;
  time: string;
}

const done = new Map<string, LongTraining>();
if (existsSync(results))
  for (const line of readFileSync(results, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as LongTraining;
    if (r.epochs === epochs && r.seed === seed) done.set(r.key, r);
  }
for (const [i, s] of picked.entries()) {
  if (done.has(s.key)) continue;
  const job: TruthJob = {
    config: path.resolve(root, config),
    key: s.key,
    seed,
    splitSeed: table.recipe.splitSeed,
    epochs,
  };
  process.stderr.write(
    `[${i + 1}/${picked.length}] ${s.key} (${s.flops} MACs), ${epochs} epochs…\n`,
  );
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'dist', 'bench.js'), '--ranking-truth-job', JSON.stringify(job)],
    {
      encoding: 'utf8',
      env: { ...process.env, SUPERNET_MAX_THREADS: '1' },
    },
  );
  if (r.status !== 0) throw new Error(`${s.key}: ${r.stderr}`);
  const rec: LongTraining = {
    ...(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Omit<LongTraining, 'table' | 'time'>),
    table: table.name,
    time: new Date().toISOString(),
  };
  appendFileSync(results, JSON.stringify(rec) + '\n');
  done.set(s.key, rec);
  process.stderr.write(`  ${(100 * rec.accuracy).toFixed(2)}% in ${rec.seconds.toFixed(0)} s\n`);
}

const compared = (arg('compare') ?? String(seed)).split(',').map(Number);
const long = new Map<string, Record<number, number>>(); // key → the long trainings' accuracies, by seed
for (const line of readFileSync(results, 'utf8').split('\n').filter(Boolean)) {
  const r = JSON.parse(line) as LongTraining;
  if (r.epochs !== epochs || !compared.includes(r.seed)) continue;
  long.set(r.key, { ...long.get(r.key), [r.seed]: r.accuracy });
}
const rows = picked.filter((s) => compared.every((k) => long.get(s.key)?.[k] !== undefined));
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const short = rows.map((s) => mean(s.accuracy.filter((a) => a !== null)));
const longMean = rows.map((s) => mean(compared.map((k) => long.get(s.key)![k])));
const tau = kendallTauB(short, longMean);
const [lo, hi] = bootstrapInterval(short, longMean, kendallTauB, { seed: 0 });
const agreement =
  compared.length >= 2
    ? kendallTauB(
        rows.map((s) => long.get(s.key)![compared[0]]),
        rows.map((s) => long.get(s.key)![compared[1]]),
      )
    : undefined;
const lines = [
  `table ${table.name}: ${rows.length} subnets, ${table.recipe.epochs}-epoch truth (mean of its seeds) against ${epochs} epochs (mean of seeds ${compared.join(', ')})`,
  ...rows.map(
    (s, i) =>
      `  ${s.key.padEnd(40)} ${String(s.flops).padStart(8)} MACs  ${(100 * short[i]).toFixed(2)}%  ${(100 * longMean[i]).toFixed(2)}%`,
  ),
  `τ-b ${tau.toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}] (95% bootstrap over subnets, 2000 draws)` +
    (tau < 0.8 ? ': below 0.8, the table should be trained longer' : ''),
  ...(agreement !== undefined
    ? [`the ${epochs}-epoch seeds agree with each other with τ-b ${agreement.toFixed(3)}`]
    : []),
];
process.stdout.write(lines.join('\n') + '\n');
