#!/usr/bin/env node
// The figures of issue #12, both sides in one run, repeated: per round the PyTorch peer at 2
// and 1 threads, the engine bench at 1 and 2 threads, and the search bench (all threads
// against one), the order of PyTorch and engine flipped every other round so both see the
// same load. Prints per figure the median and range over the rounds, the engine/PyTorch
// ratio of each round (same round, same load), and PyTorch's own 1→2 thread speedup: the
// machine's ceiling for any parallel scheme.
//
//   npm run build && node lab/threads-vs-torch.mjs [--rounds 3] [--out lab/results/perf/threads.json]
//   node lab/threads-vs-torch.mjs --from a.json,b.json [--out pooled.json]
//
// --from runs nothing: it summarises the rounds of earlier runs' JSON together.
// Needs /usr/bin/python3 with torch (Debian's python3-torch) and ../shared/peers/torch_step.py.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const from = option('from', '');
const out = option('out', '');
const peer = path.resolve(option('peer', '../shared/peers/torch_step.py'));

function lastJson(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}
const torch = (threads) => lastJson('/usr/bin/python3', [peer, '--threads', String(threads)]);
const engine = () =>
  lastJson(process.execPath, [
    'dist/bench.js',
    '--engine',
    '--json',
    '--threads',
    '1,2',
    '--rounds',
    '1',
    '--skip-tfjs-eval',
  ]);
const search = () => lastJson(process.execPath, ['dist/bench.js', '--search', '--json']);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r2 = (x) => Math.round(x * 100) / 100;

const samples = from
  ? from.split(',').flatMap((f) => JSON.parse(readFileSync(f, 'utf8')).samples)
  : [];
const rounds = from ? samples.length : Number(option('rounds', '3'));
for (let i = 0; i < (from ? 0 : rounds); i++) {
  const load0 = loadavg()[0];
  const t = {};
  const runTorch = () => {
    t.torch2 = torch(2);
    t.torch1 = torch(1);
  };
  const runEngine = () => {
    t.engine = engine();
  };
  if (i % 2 === 0) {
    runTorch();
    runEngine();
  } else {
    runEngine();
    runTorch();
  }
  t.search = search();
  const [one, two] = [1, 2].map((n) => t.engine.scaling.points.find((p) => p.threads === n));
  samples.push({
    load_before: r2(load0),
    torch: { t1: t.torch1, t2: t.torch2 },
    engine: { t1: one, t2: two },
    search: {
      all: t.search.evals_per_s,
      one: t.search.evals_per_s_1thread,
      speedup: t.search.thread_speedup,
    },
  });
  process.stderr.write(`round ${i + 1}/${rounds} done (1-min load before ${r2(load0)})\n`);
}

// [name, its value in a round, the bar]
const figures = [
  [
    'train step, engine 2 thr / PyTorch 2 thr',
    (s) => s.engine.t2.step_ms / s.torch.t2.step_ms,
    '≤ 1.0',
  ],
  [
    'sandwich step, engine 2 thr / PyTorch 2 thr',
    (s) => s.engine.t2.sandwich_ms / s.torch.t2.sandwich_ms,
    '≤ 1.0',
  ],
  [
    'sandwich step, engine 1→2 thr speedup',
    (s) => s.engine.t1.sandwich_ms / s.engine.t2.sandwich_ms,
    '≥ 1.6',
  ],
  [
    'sandwich step, PyTorch 1→2 thr speedup',
    (s) => s.torch.t1.sandwich_ms / s.torch.t2.sandwich_ms,
    '(ceiling)',
  ],
  ['train step, engine 1→2 thr speedup', (s) => s.engine.t1.step_ms / s.engine.t2.step_ms, ''],
  [
    'train step, PyTorch 1→2 thr speedup',
    (s) => s.torch.t1.step_ms / s.torch.t2.step_ms,
    '(ceiling)',
  ],
  [
    'candidate eval img/s, engine 2 thr / PyTorch infer 2 thr',
    (s) => s.engine.t2.eval_img_s / s.torch.t2.infer_img_s,
    '≥ 2.0',
  ],
  [
    'PyTorch inference 1→2 thr speedup',
    (s) => s.torch.t2.infer_img_s / s.torch.t1.infer_img_s,
    '(ceiling)',
  ],
  ['search bench evals/s, all threads / one', (s) => s.search.all / s.search.one, '≥ 1.7'],
];
const raw = [
  ['PyTorch 2 thr: step ms', (s) => s.torch.t2.step_ms],
  ['PyTorch 2 thr: sandwich ms', (s) => s.torch.t2.sandwich_ms],
  ['PyTorch 2 thr: inference img/s', (s) => s.torch.t2.infer_img_s],
  ['engine 2 thr: step ms', (s) => s.engine.t2.step_ms],
  ['engine 2 thr: sandwich ms', (s) => s.engine.t2.sandwich_ms],
  ['engine 2 thr: candidate eval img/s', (s) => s.engine.t2.eval_img_s],
  ['engine 1 thr: sandwich ms', (s) => s.engine.t1.sandwich_ms],
  ['search: evals/s all threads', (s) => s.search.all],
  ['search: evals/s one thread', (s) => s.search.one],
];
const summarise = ([name, f, bar]) => {
  const v = samples.map(f);
  return {
    name,
    bar,
    median: r2(median(v)),
    min: r2(Math.min(...v)),
    max: r2(Math.max(...v)),
    rounds: v.map(r2),
  };
};
const result = {
  when: new Date().toISOString(),
  rounds,
  ratios: figures.map(summarise),
  figures: raw.map(summarise),
  samples,
};

const line = (r) => `| ${r.name} | ${r.median} | ${r.min}–${r.max} | ${r.bar ?? ''} |`;
process.stdout.write(
  [
    `${rounds} rounds, 1-min load before each: ${samples.map((s) => s.load_before).join(', ')}`,
    '',
    '| ratio | median | range | bar |',
    '|---|---|---|---|',
    ...result.ratios.map(line),
    '',
    '| figure | median | range | |',
    '|---|---|---|---|',
    ...result.figures.map(line),
    '',
  ].join('\n'),
);
if (out) {
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
}
