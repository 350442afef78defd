#!/usr/bin/env node
// Tabulates docs/ranking/<method>.json (scripts/ranking-methods.sh) as markdown: the last
// epoch of every seed of every method, then each method's curve per epoch.
// Usage: node scripts/ranking-table.mjs [docs/ranking] > docs/ranking/results.md
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? 'docs/ranking';
const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const pct = (v) => (Number.isFinite(v) ? (100 * v).toFixed(2) : 'n/a');
const runs = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({
    method: path.basename(f, '.json'),
    ...JSON.parse(readFileSync(path.join(dir, f), 'utf8')),
  }));
if (!runs.length) throw new Error(`no results in ${dir}`);
const r0 = runs[0];
const out = [
  `Table ${r0.table}: ${r0.subnets} subnets, noise ceiling τ ${f2(r0.noise.noiseCeiling)} ` +
    `(${r0.noise.pairs} pairs), stand-alone SD ${pct(r0.noise.spreadSd)} pt, seed SD ${pct(r0.noise.seedSd)} pt. ` +
    `τ-b with its 95% bootstrap interval; best pick: stand-alone accuracy of the supernet's pick under the FLOPs limit, ` +
    `and its regret against the table's best there.`,
  '',
  '| method | seed | epochs | s | τ-b [95% CI] | ρ | FLOPs τ | partial τ | top-k | best pick (regret) | largest / smallest in supernet |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const r of runs)
  for (const s of r.seeds) {
    const e = s.epochs.at(-1);
    if (!e) continue;
    const pick = e.bestPick ? `${pct(e.bestPick.picked)} (${pct(e.bestPick.regret)})` : 'n/a';
    out.push(
      `| ${r.method}${r.overrides.length ? ` (\`${r.overrides.join(' ')}\`)` : ''} | ${s.seed} | ${e.epoch} | ${s.seconds} | ` +
        `${f2(e.kendallTau)} [${f2(e.kendallTauInterval[0])}, ${f2(e.kendallTauInterval[1])}] | ${f2(e.spearmanRho)} | ` +
        `${f2(e.flopsKendallTau)} | ${f2(e.partialKendallTau)} | ${f2(e.topK.overlap)} | ${pick} | ${pct(e.largest)} / ${pct(e.smallest)} |`,
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
