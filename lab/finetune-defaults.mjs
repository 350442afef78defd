#!/usr/bin/env node
// Purpose: choose `supernet finetune`'s defaults (peak LR, distillation on/off) by measurement:
// each of a few front subnets of a trained run fine-tuned for --epochs at each LR, with and
// without distillation from the supernet's largest subnet (issue #27, item 1). Resumable:
// finished fine-tunes are kept in the results file.
//
//   npm run build && npx tsc -b && npx supernet train examples/tiny.supernet.yaml --runs R &&
//   npx supernet search examples/tiny.supernet.yaml --runs R &&
//   nice -n 5 node lab/finetune-defaults.mjs --runs R --run RUN_ID \
//     [--subnets KEY,KEY,KEY] [--epochs 1] [--lrs 0.005,0.01,0.02] \
//     [--out lab/results/finetune-defaults.jsonl]
// (default subnets: the front's smallest, its median and the one at three quarters of its
// MACs). Writes the table to the results file's .txt sibling.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = path.resolve(arg('runs', '.supernet/runs'));
const run = arg('run');
if (!run) throw new Error('--run RUN_ID is required');
const epochs = Number(arg('epochs', '1'));
const lrs = arg('lrs', '0.005,0.01,0.02').split(',').map(Number);
const results = path.resolve(root, arg('out', 'lab/results/finetune-defaults.jsonl'));

const front = JSON.parse(readFileSync(path.join(runs, run, 'pareto.json'), 'utf8')).front.sort(
  (a, b) => a.flops - b.flops,
);
const picked = arg('subnets')
  ? arg('subnets').split(',')
  : [0, 0.5, 0.75].map((q) => front[Math.round(q * (front.length - 1))].key);

const done = new Map();
if (existsSync(results))
  for (const line of readFileSync(results, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    done.set(`${r.run}|${r.key}|${r.epochs}|${r.lr}|${r.distillation}`, r);
  }

for (const key of picked)
  for (const lr of lrs)
    for (const distillation of [true, false]) {
      const id = `${run}|${key}|${epochs}|${lr}|${distillation}`;
      if (done.has(id)) continue;
      const cli = [path.join(root, 'bin', 'supernet.js'), 'finetune', run, key];
      cli.push('--epochs', String(epochs), '--lr', String(lr), '--runs', runs, '--json');
      cli.push(distillation ? '--distill' : '--no-distill');
      const t0 = Date.now();
      const r = spawnSync(process.execPath, cli, { encoding: 'utf8', maxBuffer: 1 << 28 });
      const end = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .find((e) => e.type === 'finetune-end');
      if (r.status !== 0 || !end?.result)
        throw new Error(`${id}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
      const res = end.result;
      const row = {
        run,
        key,
        flops: res.flops,
        epochs,
        lr,
        distillation,
        inherited: res.inherited.accuracy,
        finetuned: res.finetuned.accuracy,
        seconds: res.seconds,
        wallSeconds: (Date.now() - t0) / 1000,
        time: new Date().toISOString(),
      };
      appendFileSync(results, JSON.stringify(row) + '\n');
      done.set(id, row);
      console.error(
        `${key} lr ${lr} ${distillation ? 'KD' : 'no KD'}: ${(100 * row.inherited).toFixed(2)} → ${(100 * row.finetuned).toFixed(2)} (${row.seconds.toFixed(0)} s)`,
      );
    }

// The table: gain in points per subnet, and the mean, for each setting.
const pct = (x) => (100 * x).toFixed(2);
const lines = [
  `run ${run}, ${epochs} epoch(s); accuracy (%) inherited → fine-tuned, gain in points; seconds`,
  '',
  `| setting | ${picked.map((k) => k).join(' | ')} | mean gain | mean s |`,
  `|---|${picked.map(() => '---').join('|')}|---|---|`,
];
let best;
for (const lr of lrs)
  for (const distillation of [true, false]) {
    const rows = picked.map((k) => done.get(`${run}|${k}|${epochs}|${lr}|${distillation}`));
    const gain = rows.reduce((a, r) => a + (r.finetuned - r.inherited), 0) / rows.length;
    const secs = rows.reduce((a, r) => a + r.seconds, 0) / rows.length;
    const name = `lr ${lr}, ${distillation ? 'distillation' : 'labels only'}`;
    lines.push(
      `| ${name} | ${rows.map((r) => `${pct(r.inherited)} → ${pct(r.finetuned)} (${(100 * (r.finetuned - r.inherited)).toFixed(2)})`).join(' | ')} | ${(100 * gain).toFixed(2)} | ${secs.toFixed(0)} |`,
    );
    if (!best || gain > best.gain) best = { name, gain };
  }
lines.push('', `best mean gain: ${best.name} (+${(100 * best.gain).toFixed(2)} points)`);
const table = lines.join('\n') + '\n';
writeFileSync(results.replace(/\.jsonl$/, '.txt'), table);
process.stdout.write(table);
