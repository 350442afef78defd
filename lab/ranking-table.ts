#!/usr/bin/env node
// Tabulates lab/results/ranking/ref-recipes/<method>.json (lab/ranking-recipes.sh) as markdown: the last
// epoch of every seed of every method, then each method's curve per epoch.
// Results written before the engine gave the paired intervals against FLOPs get them here,
// from their per-subnet accuracies, exactly as the engine computes them.
// Usage: npx tsc -b && node out/lab/ranking-table.js [lab/results/ranking/ref-recipes] > docs/ranking/results.md
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EpochFigures, RankingBench } from '../server/src/bench/benchRanking';
import { loadTruthTable, truthOf } from '../server/src/engine/ranking/truthTable';
import { flopsComparison } from '../server/src/engine/search/rankingStats';

const root = path.resolve(__dirname, '../..');
const truth = truthOf(loadTruthTable(path.join(root, 'data/ranking/ranking.truth.json')));

/** The engine's intervals for an epoch of seed `seed` that lacks them (same seed, same draws). */
function withIntervals(e: EpochFigures, seed: number): EpochFigures {
  if (e.flopsAdvantageInterval || !e.inherited) return e;
  const x = truth.map((t) => e.inherited[t.key]);
  if (x.some((v) => v === undefined)) return e;
  const c = flopsComparison(
    x,
    truth.map((t) => t.accuracy),
    truth.map((t) => t.flops),
    seed,
  );
  return {
    ...e,
    flopsAdvantageInterval: c.advantageInterval,
    partialKendallTauInterval: c.partialInterval,
  };
}

const dir = process.argv[2] ?? path.join(root, 'lab/results/ranking/ref-recipes');
const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const pct = (v: number): string => (Number.isFinite(v) ? (100 * v).toFixed(2) : 'n/a');
/** ` [lo, hi]`, or nothing for results written before the interval existed. */
const ci = (i: readonly number[] | undefined): string =>
  Array.isArray(i) ? ` [${f2(i[0])}, ${f2(i[1])}]` : '';
const runs = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => {
    const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as RankingBench;
    for (const s of r.seeds) s.epochs = s.epochs.map((e) => withIntervals(e, s.seed));
    return { method: path.basename(f, '.json'), ...r };
  });
if (!runs.length) throw new Error(`no results in ${dir}`);
const r0 = runs[0];
const out = [
  `Table ${r0.table}: ${r0.subnets} subnets, noise ceiling τ ${f2(r0.noise.noiseCeiling)} ` +
    `(${r0.noise.pairs} pairs), stand-alone SD ${pct(r0.noise.spreadSd)} pt, seed SD ${pct(r0.noise.seedSd)} pt. ` +
    `τ-b with its 95% bootstrap interval; best pick: stand-alone accuracy of the supernet's pick under the FLOPs limit, ` +
    `and its regret against the table's best there.`,
  '',
  '| method | seed | epochs | s | τ-b [95% CI] | ρ | FLOPs τ | τ − FLOPs τ [95% CI] | partial τ [95% CI] | top-k | best pick (regret) | largest / smallest in supernet |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const r of runs)
  for (const s of r.seeds) {
    const e = s.epochs.at(-1);
    if (!e) continue;
    const pick = e.bestPick ? `${pct(e.bestPick.picked)} (${pct(e.bestPick.regret)})` : 'n/a';
    out.push(
      `| ${r.method}${r.overrides.length ? ` (\`${r.overrides.join(' ')}\`)` : ''} | ${s.seed} | ${e.epoch} | ${s.seconds} | ` +
        `${f2(e.kendallTau)} [${f2(e.kendallTauInterval[0])}, ${f2(e.kendallTauInterval[1])}] | ${f2(e.spearmanRho)} | ` +
        `${f2(e.flopsKendallTau)} | ${f2(e.kendallTau - e.flopsKendallTau)}${ci(e.flopsAdvantageInterval)} | ` +
        `${f2(e.partialKendallTau)}${ci(e.partialKendallTauInterval)} | ${f2(e.topK.overlap)} | ${pick} | ${pct(e.largest)} / ${pct(e.smallest)} |`,
    );
  }
out.push('', 'Per epoch (τ-b [CI] · partial τ · best-pick regret in points), by seed:', '');
for (const r of runs) {
  out.push(`- **${r.method}**`);
  for (const s of r.seeds)
    out.push(
      `  - seed ${s.seed}: ` +
        s.epochs
          .map(
            (e) =>
              `${e.epoch}: ${f2(e.kendallTau)} [${f2(e.kendallTauInterval[0])}, ${f2(e.kendallTauInterval[1])}] · ${f2(e.partialKendallTau)} · ${e.bestPick ? pct(e.bestPick.regret) : 'n/a'}`,
          )
          .join('; '),
    );
}
process.stdout.write(out.join('\n') + '\n');
