#!/usr/bin/env node
// Purpose: one row of docs/ranking/results.md per training method and table (issue #25,
// item 5): the method's τ, partial τ given MACs, top-quarter τ, front share and cost, and the
// paired bootstrap interval of τ(method) − τ(default) — each draw resamples the subnets,
// each subnet's stand-alone seeds, and one supernet seed of each method independently.
// Inputs are `npm run bench -- --ranking --out X.json` results (or `ranking-rescore.ts`
// output), scored here against the table again from the accuracies each epoch kept.
//
//   npm run build && npx tsc -b && node out/lab/method-vs-default.js --table data/ranking/X.truth.json \
//     --default d-s0.json[,d-s1.json] --method NAME=m-s0.json[,m-s1.json] [--method …] [--reach 0.7]
// With --reach T, a second table compares the methods at equal cost: for each seed, the first
// epoch from which τ stays at or above T and the front's share of the true front's hypervolume
// stays at or above 95%, and the CPU seconds it took to get there (the run's CPU seconds
// times the share of its epochs; wall seconds where a result has no CPU seconds).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { truthRunsOf, type RankingBench } from '../server/src/bench/benchRanking';
import { pairedClaim } from '../server/src/engine/ranking/pairedClaim';
import { rankAgainstTable, type TableRanking } from '../server/src/engine/ranking/tableRanking';
import { loadTruthTable, truthOf } from '../server/src/engine/ranking/truthTable';

const root = path.resolve(__dirname, '../..');

const args = process.argv.slice(2);
const all = (name: string): string[] =>
  args.flatMap((a, i) => (a === `--${name}` ? [args[i + 1]] : []));
const tableFile = all('table')[0];
if (!tableFile || !all('default').length) {
  process.stderr.write('usage: method-vs-default.js --table T --default F[,F] --method N=F[,F]…\n');
  process.exit(2);
}
const table = loadTruthTable(path.resolve(root, tableFile));
const truth = truthOf(table);
const keys = table.subnets.map((s) => s.key);

/** One supernet seed of a method: its last epoch's accuracies in table order, and its cost. */
interface MethodSeed {
  seed: number;
  epochs: number;
  seconds: number;
  cpuSeconds: number | undefined;
  inherited: number[];
  /** Every epoch's accuracies in table order (undefined where an epoch kept none). */
  perEpoch: { epoch: number; inherited: number[] | undefined }[];
}

function seedsOf(files: string): MethodSeed[] {
  return files
    .split(',')
    .flatMap((f) => (JSON.parse(readFileSync(path.resolve(root, f), 'utf8')) as RankingBench).seeds)
    .map((s) => {
      const last = s.epochs.at(-1)!;
      const inherited = keys.map((k) => {
        const v = last.inherited?.[k];
        if (v === undefined) throw new Error(`${files}: seed ${s.seed} has no accuracy for ${k}`);
        return v;
      });
      const perEpoch = s.epochs.map((e) => {
        const v = keys.map((k) => e.inherited?.[k]);
        return {
          epoch: e.epoch,
          inherited: v.every((x) => x !== undefined) ? (v as number[]) : undefined,
        };
      });
      return {
        seed: s.seed,
        epochs: last.epoch,
        seconds: s.seconds,
        cpuSeconds: s.cpuSeconds,
        inherited,
        perEpoch,
      };
    });
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const ci = ([lo, hi]: [number, number]): string => `[${f2(lo)}, ${f2(hi)}]`;
const limit = Math.max(...truth.map((t) => t.flops)); // the figures here do not use the pick limit

function row(name: string, seeds: MethodSeed[], reference: MethodSeed[] | undefined): string {
  const figures = seeds.map((s) => rankAgainstTable(table, s.inherited, limit, s.seed));
  const m = (f: (figures: TableRanking) => number): number => mean(figures.map(f));
  // Independent seeds of the two methods: every pairing of a method seed with a default seed
  // is a column, so each draw picks one of each at random.
  const pairs = reference
    ? seeds.flatMap((s) => reference.map((r) => [s.inherited, r.inherited]))
    : undefined;
  const versus = pairs
    ? pairedClaim({
        predicted: pairs.map((p) => p[0]),
        truthRuns: truthRunsOf(table),
        baselines: [{ name: 'default', values: pairs.map((p) => p[1]) }],
      })
    : undefined;
  const best = figures.map((f) => `${f.bestBaseline!.name} ${f2(f.bestBaseline!.kendallTau)}`);
  const cost = seeds.map(
    (s) => `${s.seconds}${s.cpuSeconds !== undefined ? ` (${s.cpuSeconds} CPU)` : ''}`,
  );
  return (
    `| ${name} | ${table.name} | ${seeds.map((s) => s.seed).join(', ')} | ${seeds[0].epochs} | ` +
    `${f2(m((f) => f.kendallTau))} | ${f2(m((f) => f.partialKendallTau))} | ` +
    `${f2(m((f) => f.topEnd!.topQuarterTau))} | ${figures.map((f) => `${(100 * f.topEnd!.frontShare).toFixed(1)}%`).join(' / ')} | ` +
    `${figures.map((f) => f.topEnd!.regrets.map((r) => (100 * r.regret).toFixed(2)).join('/')).join(' · ')} | ` +
    `${[...new Set(best)].join('; ')} | ` +
    `${versus ? `${f2(versus.advantage)} ${ci(versus.advantageInterval)}` : '—'} | ${cost.join(' · ')} |`
  );
}

const reference = seedsOf(all('default')[0]);
const lines = [
  `| method | table | seeds | epochs | τ-b | partial τ | top-quarter τ | front's HV share | regret at 3 budgets (pt) | best of MACs, params: τ | τ − default [95% CI] | seconds (CPU s) |`,
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  row('default', reference, undefined),
  ...all('method').map((m) => {
    const eq = m.indexOf('=');
    return row(m.slice(0, eq), seedsOf(m.slice(eq + 1)), reference);
  }),
];
process.stdout.write(lines.join('\n') + '\n');

/** The first epoch from which `holds` is true to the end, or undefined. */
function settledFrom(s: MethodSeed, holds: (f: TableRanking) => boolean): number | undefined {
  let from: number | undefined;
  for (const e of s.perEpoch) {
    const ok =
      e.inherited !== undefined && holds(rankAgainstTable(table, e.inherited, limit, s.seed));
    if (!ok) from = undefined;
    else from ??= e.epoch;
  }
  return from;
}

const reach = Number(all('reach')[0]);
if (Number.isFinite(reach)) {
  const out = [
    '',
    `| method | seed | epoch from which τ ≥ ${reach} | CPU s to get there | epoch from which front ≥ 95% | CPU s to get there |`,
    '|---|---|---|---|---|---|',
  ];
  const methods: [string, MethodSeed[]][] = [
    ['default', reference],
    ...all('method').map((m): [string, MethodSeed[]] => {
      const eq = m.indexOf('=');
      return [m.slice(0, eq), seedsOf(m.slice(eq + 1))];
    }),
  ];
  for (const [name, seeds] of methods)
    for (const s of seeds) {
      const cost = (epoch: number | undefined): string => {
        if (epoch === undefined) return 'never';
        const total = s.cpuSeconds ?? s.seconds;
        return `${Math.round((total * epoch) / s.epochs)}${s.cpuSeconds === undefined ? ' (wall)' : ''}`;
      };
      const tau = settledFrom(s, (f) => f.kendallTau >= reach);
      const front = settledFrom(s, (f) => f.topEnd!.frontShare >= 0.95);
      out.push(
        `| ${name} | ${s.seed} | ${tau ?? 'never'} | ${cost(tau)} | ${front ?? 'never'} | ${cost(front)} |`,
      );
    }
  process.stdout.write(out.join('\n') + '\n');
}
