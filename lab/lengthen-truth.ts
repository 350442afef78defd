#!/usr/bin/env node
// Purpose: lengthen a benchmark table's stand-alone training (issue #25, item 3: the 2-epoch
// truth of ranking-ref agrees with 8 epochs at τ-b 0.78 < 0.8). The long trainings of
// `lab/truth-validity.ts --subnets 32` are the same jobs `npm run ranking-truth` runs
// (`--ranking-truth-job`, same config, seed, split and epochs), so they are handed to its
// log and the table is written by the project's own table writer, which trains whatever is
// still missing. The table it replaces is kept beside the results.
//
//   npm run build && npx tsc -b && node out/lab/lengthen-truth.js \
//     [--results lab/results/truth-validity-ref.jsonl] [--config examples/ranking.supernet.yaml] \
//     [--table data/ranking/ranking.truth.json] [--epochs 8] [--subnets 30] [--second-seed 32]
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  jobConfig,
  recipeId,
  type TruthJob,
  type TruthOptions,
} from '../server/src/bench/rankingTruth';
import type { TruthTable } from '../server/src/engine/ranking/truthTable';

const root = path.resolve(__dirname, '../..');

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const results = path.resolve(root, arg('results', 'lab/results/truth-validity-ref.jsonl'));
const config = path.resolve(root, arg('config', 'examples/ranking.supernet.yaml'));
const tableFile = path.resolve(root, arg('table', 'data/ranking/ranking.truth.json'));
const epochs = Number(arg('epochs', '8'));
const subnets = arg('subnets', '30');
const secondSeed = arg('second-seed', '32');

const old = JSON.parse(readFileSync(tableFile, 'utf8')) as TruthTable;
const kept = path.join(root, 'lab/results', `${old.name}-${old.recipe.epochs}epoch.truth.json`);
if (!existsSync(kept)) copyFileSync(tableFile, kept);

/** A line of the table writer's log (`.supernet/ranking-truth/NAME.jsonl`). */
interface LoggedTraining {
  key: string;
  seed: number;
  recipe: string;
}

/** A line of truth-validity's results: one long training of a subnet alone. */
interface LongTraining extends TruthJob {
  accuracy: number;
  seconds: number;
}

const base = jobConfig(config, 0, old.recipe.splitSeed);
// The recipe depends on the epochs alone of the table writer's options.
const recipe = recipeId({ epochs } as TruthOptions, base);
const name = base.name ?? path.basename(config).replace(/\.supernet\.ya?ml$/, '');
const workDir = path.join(root, '.supernet', 'ranking-truth');
mkdirSync(workDir, { recursive: true });
const log = path.join(workDir, `${name}.jsonl`);
const logged = new Set(
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LoggedTraining)
        .filter((d) => d.recipe === recipe)
        .map((d) => `${d.key}#${d.seed}`)
    : [],
);
let handed = 0;
for (const line of readFileSync(results, 'utf8').split('\n').filter(Boolean)) {
  const r = JSON.parse(line) as LongTraining;
  if (r.epochs !== epochs || path.resolve(r.config) !== config) continue;
  if (logged.has(`${r.key}#${r.seed}`)) continue;
  const { config: c, key, seed, splitSeed, accuracy, seconds } = r;
  appendFileSync(
    log,
    JSON.stringify({ config: c, key, seed, splitSeed, epochs, accuracy, seconds, recipe }) + '\n',
  );
  logged.add(`${key}#${seed}`);
  handed++;
}
process.stderr.write(
  `${handed} long trainings handed to ${path.relative(root, log)} (recipe ${recipe})\n`,
);
const r = spawnSync(
  process.execPath,
  [
    path.join(root, 'dist/bench.js'),
    '--ranking-truth',
    '--config',
    path.relative(root, config),
    '--subnets',
    subnets,
    '--second-seed',
    secondSeed,
    '--epochs',
    String(epochs),
    '--out',
    path.relative(root, tableFile),
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
