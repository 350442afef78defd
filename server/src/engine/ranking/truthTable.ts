import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArchKey, type Arch } from '#shared/arch';
import type { SpaceConfig, SupernetConfig, TaskConfig } from '../../config/configSchema';
import { archInSpace } from '../../space/arch';
import { subnetCost } from '../../space/facts';
import { kendallTauB } from '../search/rankCorrelation';

export const TRUTH_FORMAT = 1;
/** Subnets a table needs (the ranking benchmark's K). */
export const MIN_TRUTH_SUBNETS = 20;

/** One subnet of a ground-truth table: its accuracy trained alone, once per seed. */
export interface TruthSubnet {
  key: string;
  flops: number;
  params: number;
  /** Validation accuracy after training alone, by seed (the order of `recipe.seeds`); null: not trained with that seed. */
  accuracy: (number | null)[];
  seconds: (number | null)[];
}

/**
 * A ranking benchmark's ground truth: subnets of one space, each trained alone with one
 * recipe. Data in the repository (data/ranking/), written by `npm run ranking-truth`, so
 * the benchmark itself only trains the supernet.
 */
export interface TruthTable {
  format: number;
  name: string;
  /** The config file (relative to the repository) whose space, task and train section made it. */
  config: string;
  task: TaskConfig;
  space: SpaceConfig;
  recipe: {
    /** Epochs each subnet was trained alone. */
    epochs: number;
    /** Seeds: the first trains every subnet, the others a spread subset (noise ceiling). */
    seeds: number[];
    /** The validation images of every training and of every supernet compared (task.splitSeed). */
    splitSeed: number;
    train: Record<string, unknown>;
    bnRecalibrationBatches: number;
  };
  subnets: TruthSubnet[];
  generated: { by: string; version: string; time: string; seconds: number };
}

/** A located problem with a table: the file and the field. */
export class TruthTableError extends Error {}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Canonical JSON (keys sorted), to compare a run's space and task with a table's. */
export function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (x && typeof x === 'object')
    return `{${Object.keys(x)
      .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((x as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(x);
}

/** The task fields that decide what a subnet sees and is scored on (not the split's seed). */
const taskIdentity = (t: TaskConfig) => ({ ...t, splitSeed: undefined });

/** Whether a run of `config` is on the table's space and data, so the table ranks it. */
export function tableMatches(table: TruthTable, config: SupernetConfig): boolean {
  return (
    canonical(table.space) === canonical(config.space) &&
    canonical(taskIdentity(table.task)) === canonical(taskIdentity(config.task))
  );
}

/** Checks a parsed table field by field; throws TruthTableError naming the file and field. */
export function validateTruthTable(x: unknown, file: string): TruthTable {
  const fail = (where: string, what: string): never => {
    throw new TruthTableError(`${file}: ${where}: ${what}`);
  };
  if (!x || typeof x !== 'object') return fail('(top)', 'not a JSON object');
  const t = x as TruthTable;
  if (t.format !== TRUTH_FORMAT)
    fail('format', `is ${String(t.format)}; this version reads format ${TRUTH_FORMAT}`);
  if (typeof t.name !== 'string' || !t.name) fail('name', 'missing');
  if (!t.space || !t.task || !t.recipe) fail('space/task/recipe', 'missing');
  const seeds = t.recipe.seeds;
  if (!Array.isArray(seeds) || seeds.length < 1 || !seeds.every(isNum))
    fail('recipe.seeds', 'must list at least one seed');
  if (!(isNum(t.recipe.epochs) && t.recipe.epochs > 0)) fail('recipe.epochs', 'must be > 0');
  if (!Array.isArray(t.subnets)) return fail('subnets', 'missing');
  if (t.subnets.length < MIN_TRUTH_SUBNETS)
    fail('subnets', `${t.subnets.length} subnets; a table needs at least ${MIN_TRUTH_SUBNETS}`);
  const keys = new Set<string>();
  t.subnets.forEach((s, i) => {
    const at = `subnets[${i}]`;
    const arch = typeof s.key === 'string' ? parseArchKey(s.key) : undefined;
    if (!arch) return fail(`${at}.key`, `'${String(s.key)}' is not a subnet key`);
    if (keys.has(s.key)) fail(`${at}.key`, `${s.key} appears twice`);
    keys.add(s.key);
    if (!archInSpace(arch, t.space, t.task)) fail(`${at}.key`, `${s.key} is not in the space`);
    const cost = subnetCost(t.space, t.task, arch);
    if (s.flops !== cost.flops)
      fail(`${at}.flops`, `${s.flops}, but the space gives ${s.key} ${cost.flops} FLOPs`);
    if (!Array.isArray(s.accuracy) || s.accuracy.length !== seeds.length)
      fail(`${at}.accuracy`, `needs one entry per seed (${seeds.length})`);
    if (!isNum(s.accuracy[0])) fail(`${at}.accuracy[0]`, 'the first seed trains every subnet');
    s.accuracy.forEach((a, j) => {
      if (a !== null && !(isNum(a) && a >= 0 && a <= 1))
        fail(`${at}.accuracy[${j}]`, `${String(a)} is not an accuracy in 0…1 or null`);
    });
  });
  return t;
}

export function loadTruthTable(file: string): TruthTable {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TruthTableError(`${file}: ${(e as Error).message}`);
  }
  return validateTruthTable(parsed, file);
}

/** The folder of the shipped tables (data/ranking), found from this file upwards. */
export function shippedTablesDir(from = __dirname): string | undefined {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const d = path.join(dir, 'data', 'ranking');
    if (existsSync(d)) return d;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** The shipped table that ranks runs of `config`, if its space is a benchmark space. */
export function truthTableFor(
  config: SupernetConfig,
  dir = shippedTablesDir(),
): TruthTable | undefined {
  if (!dir) return undefined;
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.truth.json'))
    .sort()) {
    const table = loadTruthTable(path.join(dir, f));
    if (tableMatches(table, config)) return table;
  }
  return undefined;
}

/** The table's subnets as architectures, with their stand-alone accuracy: the mean over seeds. */
export function truthOf(
  table: TruthTable,
): { arch: Arch; key: string; flops: number; accuracy: number }[] {
  return table.subnets.map((s) => {
    const known = s.accuracy.filter(isNum);
    return {
      arch: parseArchKey(s.key)!,
      key: s.key,
      flops: s.flops,
      accuracy: known.reduce((a, b) => a + b, 0) / known.length,
    };
  });
}

/** Seed noise of the table: τ between the first two seeds where both ran, and the SD of one run. */
export function tableNoise(table: TruthTable): {
  pairs: number;
  noiseCeiling: number;
  seedSd: number;
  spreadSd: number;
} {
  const both = table.subnets.filter((s) => isNum(s.accuracy[0]) && isNum(s.accuracy[1]));
  const a = both.map((s) => s.accuracy[0]!);
  const b = both.map((s) => s.accuracy[1]!);
  // The SD of one training's accuracy from paired differences: Var(a − b) = 2σ².
  const d = a.map((v, i) => v - b[i]);
  const sd = (v: number[]) => {
    const m = v.reduce((x, y) => x + y, 0) / v.length;
    return Math.sqrt(v.reduce((x, y) => x + (y - m) ** 2, 0) / Math.max(1, v.length - 1));
  };
  const dm2 = d.length ? Math.sqrt(d.reduce((x, y) => x + y * y, 0) / d.length / 2) : NaN;
  return {
    pairs: both.length,
    noiseCeiling: both.length >= 2 ? kendallTauB(a, b) : NaN,
    seedSd: dm2,
    spreadSd: sd(table.subnets.map((s) => s.accuracy[0]!)),
  };
}
