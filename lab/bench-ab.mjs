#!/usr/bin/env node
// The engine bench of two builds, alternated in one run so both see the same load:
//
//   git worktree add /tmp/before <commit> && (cd /tmp/before && ln -s $PWD/node_modules . && node scripts/build.mjs)
//   npm run build && node lab/bench-ab.mjs --before /tmp/before [--after .] [--rounds 3] [--args "--engine"]
//
// Each round runs `node <tree>/dist/bench.js <args> --json` for before, then after (the
// order flips every round). Prints each figure's median per side, the after/before ratio
// of the medians, and the spread of the per-round ratios: a change smaller than that
// spread is noise.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const before = path.resolve(option('before', ''));
const after = path.resolve(option('after', '.'));
const rounds = Number(option('rounds', '3'));
const benchArgs = option('args', '--engine').split(' ').filter(Boolean);
if (!option('before', '')) {
  process.stderr.write('usage: node lab/bench-ab.mjs --before DIR [--after DIR] [--rounds N]\n');
  process.exit(2);
}

function bench(tree) {
  const r = spawnSync(
    process.execPath,
    [path.join(tree, 'dist', 'bench.js'), ...benchArgs, '--json'],
    {
      cwd: tree,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`${tree}: bench failed: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').at(-1);
  return JSON.parse(line);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const runs = { before: [], after: [] };
const loads = [];
for (let i = 0; i < rounds; i++) {
  const order = i % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
  for (const side of order) {
    runs[side].push(bench(side === 'before' ? before : after));
    loads.push(loadavg()[0]);
    process.stderr.write(`round ${i + 1}/${rounds}: ${side} done\n`);
  }
}

const figures = Object.keys(runs.before[0]).filter(
  (k) => typeof runs.before[0][k] === 'number' && typeof runs.after[0]?.[k] === 'number',
);
console.log(
  `${rounds} rounds, ${cpus().length} cores, 1-min load during the runs ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}`,
);
console.log('| figure | before (median) | after (median) | after/before | per-round ratios |');
console.log('|---|---|---|---|---|');
for (const k of figures) {
  const b = runs.before.map((r) => r[k]);
  const a = runs.after.map((r) => r[k]);
  const ratios = a.map((x, i) => (b[i] ? x / b[i] : NaN));
  console.log(
    `| ${k} | ${median(b)} | ${median(a)} | ${(median(a) / median(b)).toFixed(3)} | ${ratios.map((x) => x.toFixed(2)).join(', ')} |`,
  );
}
