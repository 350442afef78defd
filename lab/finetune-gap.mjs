#!/usr/bin/env node
// Purpose: does fine-tuning close the gap between a subnet's inherited accuracy and its
// stand-alone accuracy, and at what cost? (issue #27, closing note) On front subnets of a
// trained run: inherited → fine-tuned after --ft-epochs (the product's defaults, `supernet
// finetune`), and the same subnets trained alone from scratch with the run's recipe for
// --sa-epochs (the bench's stand-alone job: trainStandalone, as the ranking tables use), each
// with its seconds. Resumable: finished trainings are kept in the results file.
//
//   npm run build && npx tsc -b && npx supernet train examples/tiny.supernet.yaml --runs R &&
//   npx supernet search examples/tiny.supernet.yaml --runs R &&
//   nice -n 5 node lab/finetune-gap.mjs --runs R --run RUN_ID [--subnets KEY,KEY,KEY | --front N] \
//     [--ft-epochs 0.25,0.5,1,3] [--sa-epochs 1,3] [--out lab/results/finetune-gap.jsonl]
// (default subnets: the front's smallest, its median and the one at three quarters of its
// MACs, as lab/finetune-defaults.mjs; --front N: N spread evenly over the front by MACs).
// Writes the table to the results file's .txt sibling, with a 95% bootstrap interval (subnets
// resampled) of the mean share of the gap recovered and of the mean share of the time.
// One seed throughout: the run's; a fine-tune's and a stand-alone training's noise is in the
// interval only as far as it differs between subnets.
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
const ftEpochs = arg('ft-epochs', '0.25,0.5,1,3').split(',').map(Number);
const saEpochs = arg('sa-epochs', '1,3').split(',').map(Number);
const results = path.resolve(root, arg('out', 'lab/results/finetune-gap.jsonl'));
const runDir = path.join(runs, run);

const front = JSON.parse(readFileSync(path.join(runDir, 'pareto.json'), 'utf8')).front.sort(
  (a, b) => a.flops - b.flops,
);
const spread = (n) => Array.from({ length: n }, (_, i) => (n === 1 ? 0 : i / (n - 1)));
const quantiles = arg('front') ? spread(Number(arg('front'))) : [0, 0.5, 0.75];
const picked = arg('subnets')
  ? arg('subnets').split(',')
  : [...new Set(quantiles.map((q) => front[Math.round(q * (front.length - 1))].key))];

const done = new Map();
if (existsSync(results))
  for (const line of readFileSync(results, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    done.set(`${r.run}|${r.key}|${r.how}|${r.epochs}`, r);
  }
const record = (row) => {
  appendFileSync(results, JSON.stringify({ ...row, time: new Date().toISOString() }) + '\n');
  done.set(`${row.run}|${row.key}|${row.how}|${row.epochs}`, row);
  console.error(
    `${row.key} ${row.how} ${row.epochs} ep: ${(100 * row.accuracy).toFixed(2)}% (${row.seconds.toFixed(0)} s)`,
  );
};

// The run's own config, seed and validation split: the stand-alone job reads the copy in the
// run folder with the run's seeds.
const events = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').split('\n');
const seed = JSON.parse(events.find((l) => l.includes('"run-start"'))).seed;
const configText = readFileSync(path.join(runDir, 'config.yaml'), 'utf8');
const splitSeed = Number(/splitSeed:\s*(\d+)/.exec(configText)?.[1] ?? seed);

for (const key of picked) {
  for (const epochs of ftEpochs) {
    if (done.has(`${run}|${key}|finetuned|${epochs}`)) continue;
    const cli = [path.join(root, 'bin', 'supernet.js'), 'finetune', run, key];
    cli.push('--epochs', String(epochs), '--runs', runs, '--json');
    const r = spawnSync(process.execPath, cli, { encoding: 'utf8', maxBuffer: 1 << 28 });
    const end = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.type === 'finetune-end');
    if (r.status !== 0 || !end?.result)
      throw new Error(`${key}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
    const res = end.result;
    if (!done.has(`${run}|${key}|inherited|0`))
      record({
        run,
        key,
        how: 'inherited',
        epochs: 0,
        accuracy: res.inherited.accuracy,
        seconds: 0,
        flops: res.flops,
      });
    record({
      run,
      key,
      how: 'finetuned',
      epochs,
      accuracy: res.finetuned.accuracy,
      seconds: res.seconds,
      lr: res.lr,
      teacher: res.teacher ?? null,
    });
  }
  for (const epochs of saEpochs) {
    if (done.has(`${run}|${key}|standalone|${epochs}`)) continue;
    // The run's copy of its config, so a config edited since does not change the recipe.
    const job = { config: path.join(runDir, 'config.yaml'), key, seed, splitSeed, epochs };
    const t0 = Date.now();
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'dist', 'bench.js'), '--ranking-truth-job', JSON.stringify(job)],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(`${key} alone: exit ${r.status}: ${r.stderr.slice(-2000)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    record({
      run,
      key,
      how: 'standalone',
      epochs,
      accuracy: out.accuracy,
      seconds: out.seconds,
      wallSeconds: (Date.now() - t0) / 1000,
    });
  }
}

// The table, and the bar: the share of the inherited → stand-alone gap a fine-tune recovers,
// and its seconds as a share of the stand-alone training's.
const pct = (x) => (100 * x).toFixed(2);
const get = (key, how, epochs) => done.get(`${run}|${key}|${how}|${epochs}`);
const lines = [
  `run ${run} (seed ${seed}, every fine-tune and stand-alone training seed ${seed} too); accuracy (%) on its ` +
    `validation split; seconds in parentheses, each job on ${process.env.SUPERNET_MAX_THREADS ?? 'all'} ` +
    `thread(s) (${process.env.GAP_CONDITIONS ?? 'see the closing note for the load'})`,
  '',
  `| subnet | MACs | inherited | ${ftEpochs.map((e) => `fine-tuned ${e} ep`).join(' | ')} | ${saEpochs.map((e) => `stand-alone ${e} ep`).join(' | ')} |`,
  `|---|---|---|${ftEpochs.map(() => '---').join('|')}|${saEpochs.map(() => '---').join('|')}|`,
];
for (const key of picked) {
  const inh = get(key, 'inherited', 0);
  lines.push(
    `| ${key} | ${Math.round(inh.flops / 1000)}k | ${pct(inh.accuracy)} | ` +
      ftEpochs
        .map(
          (e) =>
            `${pct(get(key, 'finetuned', e).accuracy)} (${get(key, 'finetuned', e).seconds.toFixed(0)})`,
        )
        .join(' | ') +
      ' | ' +
      saEpochs
        .map(
          (e) =>
            `${pct(get(key, 'standalone', e).accuracy)} (${get(key, 'standalone', e).seconds.toFixed(0)})`,
        )
        .join(' | ') +
      ' |',
  );
}
lines.push(
  '',
  'gap recovered = (fine-tuned − inherited) / (stand-alone − inherited); time = fine-tune s / stand-alone s',
  '',
);
// Subnets resampled with replacement, a fixed seed so the table reruns to the same figures.
let state = 12345;
const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
const mean = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;
const interval = (cells, stat) => {
  const draws = [];
  for (let b = 0; b < 4000; b++)
    draws.push(stat(cells.map(() => cells[Math.floor(rand() * cells.length)])));
  draws.sort((a, b) => a - b);
  return [draws[Math.floor(0.025 * draws.length)], draws[Math.floor(0.975 * draws.length)]];
};
const share = (x) => `${(100 * x).toFixed(0)}%`;
const span = ([lo, hi]) => `[${share(lo)}, ${share(hi)}]`;
lines.push(
  `| fine-tune | vs stand-alone | ${picked.map((k) => k).join(' | ')} | mean recovered [95%] | recovered on the mean [95%] | mean time [95%] | bar (≥ 75%, ≤ 25%) |`,
);
lines.push(`|---|---|${picked.map(() => '---').join('|')}|---|---|---|---|`);
for (const sa of saEpochs)
  for (const ft of ftEpochs) {
    const cells = picked.map((key) => {
      const inh = get(key, 'inherited', 0).accuracy;
      const f = get(key, 'finetuned', ft);
      const s = get(key, 'standalone', sa);
      return {
        inh,
        ft: f.accuracy,
        sa: s.accuracy,
        rec: (f.accuracy - inh) / (s.accuracy - inh),
        time: f.seconds / s.seconds,
      };
    });
    const meanRec = (cs) => mean(cs.map((c) => c.rec));
    // The gap closed on the subnets' mean accuracies: no small gap's ratio dominates it.
    const recOfMean = (cs) =>
      (mean(cs.map((c) => c.ft)) - mean(cs.map((c) => c.inh))) /
      (mean(cs.map((c) => c.sa)) - mean(cs.map((c) => c.inh)));
    const meanTime = (cs) => mean(cs.map((c) => c.time));
    const rec = meanRec(cells);
    const time = meanTime(cells);
    const met = rec >= 0.75 && recOfMean(cells) >= 0.75 && time <= 0.25;
    lines.push(
      `| ${ft} ep | ${sa} ep | ${cells.map((c) => `${share(c.rec)} in ${share(c.time)}`).join(' | ')} | ` +
        `${share(rec)} ${span(interval(cells, meanRec))} | ${share(recOfMean(cells))} ${span(interval(cells, recOfMean))} | ` +
        `${share(time)} ${span(interval(cells, meanTime))} | ${met ? 'met' : 'not met'} |`,
    );
  }
const table = lines.join('\n') + '\n';
writeFileSync(results.replace(/\.jsonl$/, '.txt'), table);
process.stdout.write(table);
