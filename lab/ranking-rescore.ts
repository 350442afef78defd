#!/usr/bin/env node
// Scores the results of `npm run bench -- --ranking` again against a truth table, from the
// supernet accuracies each epoch kept (`inherited`), without training again: for a table
// that gained second seeds after the runs, to join runs of single seeds into one result,
// or for runs made before today's statistics. Same figures as the engine (rankAgainstTable,
// the run's seed for the bootstrap); with --proxies, results that lack them get the
// zero-cost proxies of each seed's initial supernet, as a run computes them.
//
//   npx tsc -b && node out/lab/ranking-rescore.js --table data/ranking/X.truth.json \
//     [--proxies] --out lab/results/X.json run-s0.json run-s1.json > lab/results/X.txt
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  claimOf,
  rankingBenchText,
  rankingVerdicts,
  truthRunsOf,
  type EpochFigures,
  type RankingBench,
} from '../server/src/bench/benchRanking';
import { resolveConfig } from '../server/src/config/resolve';
import { selectBackend, type BackendPreference } from '../server/src/engine/backend/selectBackend';
import { loadTrainingData } from '../server/src/engine/data/trainingData';
import { calibrationIndices } from '../server/src/engine/evaluate/evaluate';
import type { Baseline } from '../server/src/engine/ranking/baselines';
import { initProxies } from '../server/src/engine/ranking/initProxies';
import {
  flopsLimitOf,
  rankAgainstTable,
  type TableRanking,
} from '../server/src/engine/ranking/tableRanking';
import { simulatedCeiling } from '../server/src/engine/ranking/truthCeiling';
import { loadTruthTable, tableNoise, truthOf } from '../server/src/engine/ranking/truthTable';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const withProxies = args.includes('--proxies');
if (withProxies) args.splice(args.indexOf('--proxies'), 1);
const tableFile = option('table');
const outFile = option('out');
if (!tableFile || args.length === 0) {
  process.stderr.write('usage: ranking-rescore.js --table TABLE [--out FILE] RESULT.json...\n');
  process.exit(2);
}
const table = loadTruthTable(tableFile);
const truth = truthOf(table);
/** `npm run bench -- --ranking --out` results (older ones may lack some figures). */
const runs = args.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as RankingBench);
const config = resolveConfig(fs.readFileSync(runs[0].config, 'utf8')).config;
const limit = flopsLimitOf(
  config,
  truth.map((t) => t.flops),
);

/** Each table subnet's proxies at the initial weights of supernet seed `seed`, by name. */
async function proxiesOf(seed: number): Promise<Baseline[]> {
  const configFile = path.resolve(runs[0].config);
  const c = {
    ...config,
    train: { ...config.train, seed },
    task: { ...config.task, splitSeed: table.recipe.splitSeed },
  };
  await selectBackend(c.train.backend as BackendPreference);
  const { data } = await loadTrainingData(c, configFile, {});
  const calibration = calibrationIndices(
    data,
    c.search.bnRecalibrationBatches,
    Math.min(c.train.batchSize, 256),
  );
  return initProxies(
    c,
    truth.map((t) => t.arch),
    data,
    calibration[0],
  );
}

async function main(): Promise<void> {
  const seeds = runs.flatMap((r) => r.seeds).sort((a, b) => a.seed - b.seed);
  for (const s of seeds) {
    const proxies = withProxies ? await proxiesOf(s.seed) : undefined;
    s.epochs = s.epochs.map((e): EpochFigures => {
      const inherited = truth.map((t) => {
        const v = e.inherited?.[t.key];
        if (v === undefined)
          throw new Error(`seed ${s.seed} epoch ${e.epoch}: no accuracy for ${t.key}`);
        return v;
      });
      const figures: Partial<TableRanking> = rankAgainstTable(
        table,
        inherited,
        limit,
        s.seed,
        proxies,
      );
      if (proxies)
        e.proxies = Object.fromEntries(
          truth.map((t, i) => [
            t.key,
            Object.fromEntries(proxies.map((b) => [b.name, b.values[i]])),
          ]),
        );
      // The bench keeps neither (the points are `inherited`, the table is named once).
      delete figures.points;
      delete figures.table;
      return { ...e, ...figures };
    });
  }
  const result: RankingBench = {
    ...runs[0],
    table: table.name,
    threads: Math.max(...runs.map((r) => r.threads)),
    subnets: table.subnets.length,
    noise: tableNoise(table),
    ceiling: simulatedCeiling(truthRunsOf(table)),
    seeds,
    ...(claimOf(table, seeds) ?? {}),
    met: rankingVerdicts(seeds),
  };
  if (outFile) fs.writeFileSync(outFile, JSON.stringify(result, null, 1) + '\n');
  process.stdout.write(rankingBenchText(result));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e) : String(e)}\n`);
  process.exit(1);
});
