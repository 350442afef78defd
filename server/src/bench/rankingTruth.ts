import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as path from 'node:path';
import { archKey, parseArchKey, type Arch } from '#shared/arch';
import { atomicWrite } from '#shared/runFolder/durable';
import { packageVersion } from '#shared/packageVersion';
import type { SupernetConfig } from '../config/configSchema';
import { resolveConfig } from '../config/resolve';
import { selectBackend, type BackendPreference } from '../engine/backend/selectBackend';
import { loadTrainingData } from '../engine/data/trainingData';
import {
  tableNoise,
  TRUTH_FORMAT,
  validateTruthTable,
  type TruthSubnet,
  type TruthTable,
} from '../engine/ranking/truthTable';
import { stratifiedArchs } from '../space/stratifiedArchs';
import { trainStandalone } from '../engine/standalone/trainStandalone';
import { spaceDecisions } from '../space/decisions';
import { largestArch, smallestArch } from '../space/arch';
import { subnetCost } from '../space/facts';

/** What one child process trains: one subnet, alone, with one seed. */
export interface TruthJob {
  config: string;
  key: string;
  seed: number;
  splitSeed: number;
  epochs: number;
}

export interface TruthOptions {
  config: string;
  subnets: number;
  /** How many of the subnets are trained again with a second seed (spread over FLOPs). */
  secondSeed: number;
  epochs: number;
  jobs: number;
  out: string;
  /** Where finished trainings are logged, so a stopped generation resumes. */
  workDir: string;
}

/** The config of a truth job: the file's, with the job's seed and the table's validation split. */
export function jobConfig(file: string, seed: number, splitSeed: number): SupernetConfig {
  const resolved = resolveConfig(readFileSync(file, 'utf8'));
  const errors = resolved.problems.filter((p) => p.severity === 'error');
  if (errors.length) throw new Error(`${file}: ${errors[0].message}`);
  const c = resolved.config;
  return { ...c, task: { ...c.task, splitSeed }, train: { ...c.train, seed } };
}

/** Child process: trains the job's subnet alone and prints its score as one JSON line. */
export async function runTruthJob(job: TruthJob): Promise<void> {
  const config = jobConfig(job.config, job.seed, job.splitSeed);
  await selectBackend(config.train.backend as BackendPreference);
  const { data } = await loadTrainingData(config, job.config, {});
  const arch = parseArchKey(job.key);
  if (!arch) throw new Error(`not a subnet key: ${job.key}`);
  const t0 = Date.now();
  const score = await trainStandalone(config, arch, data, job.epochs, undefined, undefined, 1);
  const seconds = (Date.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ ...job, accuracy: score.accuracy, seconds }) + '\n');
}

interface Done extends TruthJob {
  recipe: string;
  accuracy: number;
  seconds: number;
}

/** What a stand-alone training depends on (not the supernet-only options), hashed. */
export const recipeId = (o: TruthOptions, config: SupernetConfig): string => {
  const { batchSize, optimizer, schedule, weightDecay, augment } = config.train;
  return createHash('sha256')
    .update(
      JSON.stringify([
        config.space,
        config.task,
        { batchSize, optimizer, schedule, weightDecay, augment },
        config.search.bnRecalibrationBatches,
        o.epochs,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
};

function runChild(job: TruthJob): Promise<Done | Error> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [process.argv[1], '--ranking-truth-job', JSON.stringify(job)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(out.trim().split('\n').pop()!) as Done);
      } catch (e) {
        resolve(new Error(`${job.key} seed ${job.seed}: ${(e as Error).message}`));
      }
    });
  });
}

/**
 * Trains the ground truth of a ranking benchmark: K subnets stratified by FLOPs, each alone
 * with the config's train section for `epochs`, a spread subset again with a second seed;
 * `jobs` child processes at a time (one thread each); every finished training logged, so a
 * stopped run resumes. Writes the validated table.
 */
export async function rankingTruth(o: TruthOptions): Promise<TruthTable> {
  const t0 = Date.now();
  const splitSeed = 0;
  const base = jobConfig(o.config, 0, splitSeed);
  const flopsOf = (a: ReturnType<typeof stratifiedArchs>[number]) =>
    subnetCost(base.space, base.task, a).flops;
  // K strata of FLOPs, plus the space's two ends: the table spans the whole FLOPs range.
  const drawn = stratifiedArchs(spaceDecisions(base.space, base.task), flopsOf, o.subnets, 2026);
  const ends = [smallestArch(base.space, base.task), largestArch(base.space, base.task)];
  const archs = [
    ...drawn,
    ...ends.filter((e) => !drawn.some((a) => archKey(a) === archKey(e))),
  ].sort((a, b) => flopsOf(a) - flopsOf(b));
  const twice = Math.min(o.secondSeed, archs.length);
  const again = new Set(
    [...Array(twice)].map((_, i) => Math.floor(((i + 0.5) * archs.length) / twice)),
  );
  const seeds = [0, 1];
  const jobs: TruthJob[] = [
    ...archs.map((a) => ({ key: archKey(a), seed: seeds[0] })),
    ...archs.filter((_, i) => again.has(i)).map((a) => ({ key: archKey(a), seed: seeds[1] })),
  ].map((j) => ({ ...j, config: path.resolve(o.config), splitSeed, epochs: o.epochs }));

  const name = base.name ?? path.basename(o.config).replace(/\.supernet\.ya?ml$/, '');
  const recipe = recipeId(o, base);
  mkdirSync(o.workDir, { recursive: true });
  const log = path.join(o.workDir, `${name}.jsonl`);
  const done = new Map<string, Done>();
  const id = (j: { key: string; seed: number }) => `${j.key}#${j.seed}`;
  if (existsSync(log))
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      try {
        const d = JSON.parse(line) as Done;
        if (d.recipe === recipe) done.set(id(d), d);
      } catch {
        // a torn last line: that training runs again
      }
    }
  const todo = jobs.filter((j) => !done.has(id(j)));
  process.stderr.write(
    `ranking truth ${name}: ${jobs.length} trainings (${archs.length} subnets, ${again.size} with a second seed), ` +
      `${jobs.length - todo.length} done before (${log}); ${o.jobs} at a time\n`,
  );
  let next = 0;
  let finished = 0;
  const failures: Error[] = [];
  const worker = async () => {
    while (next < todo.length) {
      const job = todo[next++];
      const r = await runChild(job);
      if (r instanceof Error) {
        failures.push(r);
        continue;
      }
      const d: Done = { ...r, recipe };
      appendFileSync(log, JSON.stringify(d) + '\n');
      done.set(id(d), d);
      process.stderr.write(
        `  [${jobs.length - todo.length + ++finished}/${jobs.length}] ${d.key} seed ${d.seed}: ${(100 * d.accuracy).toFixed(2)}% in ${d.seconds.toFixed(0)} s\n`,
      );
    }
  };
  await Promise.all([...Array(Math.max(1, o.jobs))].map(worker));
  if (failures.length)
    throw new Error(`${failures.length} trainings failed: ${failures[0].message}`);

  const table = buildTable(o, base, name, archs, seeds, done, splitSeed);
  const valid = validateTruthTable(JSON.parse(JSON.stringify(table)), o.out);
  atomicWrite(o.out, JSON.stringify(valid, null, 1) + '\n');
  const n = tableNoise(valid);
  process.stderr.write(
    `wrote ${o.out}: ${valid.subnets.length} subnets, MACs ${valid.subnets[0].flops}…${valid.subnets[valid.subnets.length - 1].flops}; ` +
      `stand-alone SD ${(100 * n.spreadSd).toFixed(2)} points, seed SD ${(100 * n.seedSd).toFixed(2)} (${n.pairs} pairs), ` +
      `noise ceiling τ ${n.noiseCeiling.toFixed(2)}; ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
  );
  return valid;
}

/** The table from the finished trainings: one row per subnet, one accuracy per seed. */
function buildTable(
  o: TruthOptions,
  base: SupernetConfig,
  name: string,
  archs: Arch[],
  seeds: number[],
  done: Map<string, Done>,
  splitSeed: number,
): TruthTable {
  const subnets: TruthSubnet[] = archs.map((a) => {
    const key = archKey(a);
    const cost = subnetCost(base.space, base.task, a);
    const by = seeds.map((s) => done.get(`${key}#${s}`));
    return {
      key,
      flops: cost.flops,
      params: cost.params,
      accuracy: by.map((d) => (d ? d.accuracy : null)),
      seconds: by.map((d) => (d ? Math.round(d.seconds * 10) / 10 : null)),
    };
  });
  const train: Partial<SupernetConfig['train']> = { ...base.train };
  delete train.seed;
  const table: TruthTable = {
    format: TRUTH_FORMAT,
    name,
    config: path.relative(process.cwd(), path.resolve(o.config)),
    task: { ...base.task, splitSeed: undefined } as TruthTable['task'],
    space: base.space,
    recipe: {
      epochs: o.epochs,
      seeds,
      splitSeed,
      train: train as Record<string, unknown>,
      bnRecalibrationBatches: base.search.bnRecalibrationBatches,
    },
    subnets,
    generated: {
      by: `npm run ranking-truth -- --config ${path.relative(process.cwd(), o.config)} --subnets ${o.subnets} --second-seed ${o.secondSeed} --epochs ${o.epochs}`,
      version: packageVersion() ?? 'unknown',
      time: new Date().toISOString(),
      seconds: Math.round([...done.values()].reduce((s, d) => s + d.seconds, 0)),
    },
  };
  return table;
}

export const defaultTruthJobs = (): number => Math.max(1, cpus().length);
