#!/usr/bin/env node
// Purpose: what int8 export costs and gains on real subnets (#27, item 3): for front subnets
// of a trained run, `supernet export --int8` with each calibration method (min–max,
// percentile) — accuracy drop against float32, size and latency ratios at batch 1 and 32 —
// and, for one large subnet (the bench net's largest), onnxruntime's own profile of which
// kernels ran the int8 and the float32 model, with their times.
//
//   npm run build && npx tsc -b && node out/lab/int8-export.js --run RUN [--runs DIR] \
//     [--subnets 6 | --keys KEY,KEY] [--finetuned] [--methods minmax,percentile] \
//     [--bench-run BENCH_RUN --bench-config examples/bench.supernet.yaml] \
//     [--out lab/results/int8-export]
// --finetuned: the subnets' completed fine-tunes (`supernet finetune`), exported with
// `--finetuned`, the model a user ships.
// RUN: a trained and searched run of examples/tiny.supernet.yaml (`supernet train`, then
// `supernet search`); BENCH_RUN: any run of examples/bench.supernet.yaml with a checkpoint
// (a few steps of training are enough for latency). Writes OUT.jsonl (one record per export)
// and OUT.txt (the tables).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { archKey } from '#shared/arch';
import type { EngineEvent, ExportEvent, Int8Figures, LogEvent } from '#shared/protocol/engine';
import { resolveConfig } from '../server/src/config/resolve';
import { profileKernels } from '../server/src/engine/export/kernelProfile';
import { largestArch } from '../server/src/space/arch';

const root = path.resolve(__dirname, '../..');

/** Bytes of a model's initializers: its stored weights, scales, zero points and biases. */
function initializerBytes(file: string): number {
  const model = onnx.ModelProto.decode(readFileSync(file));
  return (model.graph?.initializer ?? []).reduce(
    (n, t) =>
      n +
      (t.rawData?.length ?? 0) +
      4 * ((t.floatData?.length ?? 0) + (t.int32Data?.length ?? 0)) +
      8 * (t.int64Data?.length ?? 0),
    0,
  );
}

const args = process.argv.slice(2);
function arg(name: string): string | undefined;
function arg(name: string, fallback: string): string;
function arg(name: string, fallback?: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}
const runArg = arg('run');
if (!runArg) throw new Error('--run RUN: a trained and searched run of the tiny example');
const run: string = runArg;
const runs = path.resolve(arg('runs', '.supernet/runs'));
const count = Number(arg('subnets', '6'));
const benchRun = arg('bench-run');
const benchConfig = arg('bench-config', 'examples/bench.supernet.yaml');
const outBase = arg('out', 'lab/results/int8-export');
const METHODS = arg('methods', 'minmax,percentile').split(',');
const finetuned = args.includes('--finetuned');
const PROFILE_RUNS = 20;
const scratch = mkdtempSync(path.join(tmpdir(), 'int8-lab-'));

/** `supernet export RUN KEY --int8 ...`: its export event (and any warning). */
function exportInt8(
  runId: string,
  key: string,
  method: string,
): { file: string; event: ExportEvent; warnings: string[] } {
  const file = path.join(scratch, `${key}.${method}.int8.onnx`);
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'bin', 'supernet.js'),
      'export',
      runId,
      key,
      '--runs',
      runs,
      '--int8',
      '--calibration',
      method,
      ...(finetuned ? ['--finetuned'] : []),
      '-o',
      file,
      '--json',
    ],
    { encoding: 'utf8', cwd: root },
  );
  if (r.status !== 0) throw new Error(`export of ${key} failed: ${r.stderr}`);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EngineEvent);
  const done = events.find((e): e is ExportEvent => e.type === 'export');
  const warnings = events.filter((e): e is LogEvent => e.type === 'log' && e.level === 'warning');
  return { file, event: done!, warnings: warnings.map((w) => w.message) };
}

/** A subnet of pareto.json's front or evaluated subnets (or one named by `--keys` alone). */
interface FrontSubnet {
  key: string;
  flops?: number;
  params?: number;
}

/** One export of the tables: the event's int8 figures and the ratios made of them. */
interface ExportRecord extends Int8Figures {
  run: string;
  key: string;
  flops?: number;
  params?: number;
  method: string;
  bytes: number;
  sizeRatio: number;
  weightsRatio: number;
  latencyRatio1: number;
  latencyRatio32: number;
  warnings: string[];
}

/** `count` subnets spread over the front by FLOPs, smallest and largest included. */
function frontSubnets(runId: string): FrontSubnet[] {
  const pareto = JSON.parse(readFileSync(path.join(runs, runId, 'pareto.json'), 'utf8')) as {
    front: FrontSubnet[];
    evaluated?: FrontSubnet[];
  };
  const front = [...pareto.front].sort((a, b) => a.flops! - b.flops!);
  const keys = arg('keys');
  if (keys) {
    const all = new Map([...pareto.front, ...(pareto.evaluated ?? [])].map((p) => [p.key, p]));
    return keys
      .split(',')
      .map((key) => all.get(key) ?? front.find((p) => p.key === key) ?? { key });
  }
  const k = Math.min(count, front.length);
  const picked = Array.from(
    { length: k },
    (_, i) => front[Math.round((i * (front.length - 1)) / Math.max(1, k - 1))],
  );
  return [...new Map(picked.map((p) => [p.key, p])).values()];
}

const records: ExportRecord[] = [];
/** The bench net's lines of OUT.jsonl, after the tables' exports. */
const benchRecords: object[] = [];
const lines: string[] = [];
const say = (s = ''): void => {
  lines.push(s);
  console.log(s);
};
const f2 = (x: number): string => x.toFixed(2);
const row = (cells: unknown[]): string => `| ${cells.join(' | ')} |`;

say(
  `int8 export, measured ${new Date().toISOString()} (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`,
);
say(
  `run ${run} (${runs}); every figure from \`supernet export RUN KEY --int8 --calibration M${finetuned ? ' --finetuned' : ''} --json\`` +
    (finetuned ? ' (the fine-tuned weights; accuracies fine-tuned)' : ' (inherited weights)'),
);
say('');
say(
  row([
    'subnet',
    'MACs',
    'params',
    'calibration',
    'float32 acc',
    'int8 acc',
    'drop (points)',
    'agree',
    'max |Δlogit|',
    'size int8/float32',
    'stored weights int8/float32',
    'latency b1 int8/float32',
    'latency b32 int8/float32',
  ]),
);
say(row(Array(13).fill('---')));
for (const subnet of frontSubnets(run)) {
  for (const method of METHODS) {
    const { file, event: e, warnings } = exportInt8(run, subnet.key, method);
    const q = e.int8!;
    // The graph around the weights (Q/DQ nodes, names, the resize) is a fixed few kilobytes:
    // on small nets it, not the weights, sets the file size.
    const { onnxParams } = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as {
      onnxParams: number;
    };
    const weightsRatio = initializerBytes(file) / (4 * onnxParams);
    const rec: ExportRecord = {
      run,
      key: subnet.key,
      flops: subnet.flops,
      params: subnet.params,
      method,
      bytes: e.bytes,
      ...q,
      sizeRatio: e.bytes / q.floatBytes,
      weightsRatio,
      latencyRatio1: q.latency.int8.batch1Ms / q.latency.float32.batch1Ms,
      latencyRatio32: q.latency.int8.batch32Ms / q.latency.float32.batch32Ms,
      warnings,
    };
    records.push(rec);
    say(
      row([
        subnet.key,
        subnet.flops,
        subnet.params,
        method,
        `${(100 * q.floatAccuracy).toFixed(2)}%`,
        `${(100 * q.int8Accuracy).toFixed(2)}%`,
        f2(q.accuracyDropPoints),
        `${(100 * q.agreement).toFixed(2)}%`,
        q.maxAbsDiff.toFixed(3),
        f2(rec.sizeRatio),
        f2(rec.weightsRatio),
        `${f2(rec.latencyRatio1)} (${q.latency.int8.batch1Ms.toFixed(3)}/${q.latency.float32.batch1Ms.toFixed(3)} ms)`,
        `${f2(rec.latencyRatio32)} (${q.latency.int8.batch32Ms.toFixed(2)}/${q.latency.float32.batch32Ms.toFixed(2)} ms)`,
      ]),
    );
  }
}
say('');
say(
  row([
    'calibration',
    'subnets',
    'mean drop',
    'worst drop',
    'drops ≤ 0.5',
    'mean agreement',
    'mean size ratio',
    'mean stored-weights ratio',
    'mean latency ratio b1',
    'b32',
  ]),
);
say(row(Array(10).fill('---')));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const method of METHODS) {
  const rs = records.filter((r) => r.method === method);
  say(
    row([
      method,
      rs.length,
      f2(mean(rs.map((r) => r.accuracyDropPoints))),
      f2(Math.max(...rs.map((r) => r.accuracyDropPoints))),
      `${rs.filter((r) => r.accuracyDropPoints <= 0.5).length}/${rs.length}`,
      `${(100 * mean(rs.map((r) => r.agreement))).toFixed(2)}%`,
      f2(mean(rs.map((r) => r.sizeRatio))),
      f2(mean(rs.map((r) => r.weightsRatio))),
      f2(mean(rs.map((r) => r.latencyRatio1))),
      f2(mean(rs.map((r) => r.latencyRatio32))),
    ]),
  );
}

// Paired, subnet by subnet: which method's int8 model is more accurate, and which agrees
// with float32 on more validation images (with two methods only).
const pairs = (METHODS.length === 2 ? [...new Set(records.map((r) => r.key))] : []).map((key) => {
  const [a, b] = METHODS.map((m) => records.find((r) => r.key === key && r.method === m)!);
  return { accuracy: a.int8Accuracy - b.int8Accuracy, agreement: a.agreement - b.agreement };
});
const tally = <T>(xs: T[], f: (x: T) => boolean): number => xs.filter(f).length;
if (pairs.length) say('');
if (pairs.length)
  say(
    `paired over ${pairs.length} subnets, ${METHODS[0]} − ${METHODS[1]}: int8 accuracy higher on ` +
      `${tally(pairs, (p) => p.accuracy > 0)}, lower on ${tally(pairs, (p) => p.accuracy < 0)}, ` +
      `mean ${f2(100 * mean(pairs.map((p) => p.accuracy)))} points; agreement with float32 higher on ` +
      `${tally(pairs, (p) => p.agreement > 0)}, lower on ${tally(pairs, (p) => p.agreement < 0)}, ` +
      `mean ${f2(100 * mean(pairs.map((p) => p.agreement)))} points`,
  );

/** The bench net's largest subnet: its int8 export and onnxruntime's kernels of both models. */
async function benchNet(benchRun: string): Promise<void> {
  const { config } = resolveConfig(readFileSync(path.resolve(root, benchConfig), 'utf8'));
  const key = archKey(largestArch(config.space, config.task));
  say('');
  say(`bench net (${benchConfig}), its largest subnet ${key}, run ${benchRun}:`);
  const { file, event: e } = exportInt8(benchRun, key, 'percentile');
  const q = e.int8!;
  benchRecords.push({ run: benchRun, key, method: 'percentile', bytes: e.bytes, ...q });
  say(
    `  size ${e.bytes} vs ${q.floatBytes} bytes (×${f2(e.bytes / q.floatBytes)}); ` +
      `latency batch 1 ${q.latency.int8.batch1Ms.toFixed(3)} vs ${q.latency.float32.batch1Ms.toFixed(3)} ms ` +
      `(×${f2(q.latency.int8.batch1Ms / q.latency.float32.batch1Ms)}), batch 32 ${q.latency.int8.batch32Ms.toFixed(2)} vs ` +
      `${q.latency.float32.batch32Ms.toFixed(2)} ms (×${f2(q.latency.int8.batch32Ms / q.latency.float32.batch32Ms)}); ` +
      `accuracy ${(100 * q.int8Accuracy).toFixed(2)}% vs ${(100 * q.floatAccuracy).toFixed(2)}%`,
  );
  // onnxruntime's profile of PROFILE_RUNS batch-32 runs of each model: kernels and their time.
  const image = new Float32Array(32 * 28 * 28).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  const input = { name: 'images', data: image, dims: [32, 1, 28, 28] };
  const floatFile = path.join(scratch, 'bench-float.onnx');
  const f = spawnSync(
    process.execPath,
    [
      path.join(root, 'bin', 'supernet.js'),
      'export',
      benchRun,
      key,
      '--runs',
      runs,
      '-o',
      floatFile,
    ],
    { encoding: 'utf8', cwd: root },
  );
  if (f.status !== 0) throw new Error(f.stderr);
  for (const [name, model] of [
    ['int8', file],
    ['float32', floatFile],
  ]) {
    const kernels = await profileKernels(readFileSync(model), input, PROFILE_RUNS);
    const total = [...kernels.values()].reduce((a, u) => a + u.microseconds, 0);
    say(
      `  onnxruntime profile, ${name}, mean of ${PROFILE_RUNS} batch-32 runs (the first cold), one thread (kernel time ${Math.round(total)} µs a run):`,
    );
    for (const [op, u] of [...kernels].sort((a, b) => b[1].microseconds - a[1].microseconds))
      say(`    ${op}: ${u.nodes} node(s), ${Math.round(u.microseconds)} µs`);
    benchRecords.push({ run: benchRun, key, profile: name, kernels: Object.fromEntries(kernels) });
  }
}

async function main(): Promise<void> {
  if (benchRun) await benchNet(benchRun);
  writeFileSync(
    `${outBase}.jsonl`,
    [...records, ...benchRecords].map((r) => JSON.stringify(r)).join('\n') + '\n',
  );
  writeFileSync(`${outBase}.txt`, lines.join('\n') + '\n');
  rmSync(scratch, { recursive: true, force: true });
}

void main();
