import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import type { EngineEvent, EpochEvent, RankingEvent } from '#shared/protocol/engine';
import { regionSentence, type RankingFigures } from '#shared/ranking';
import { resolveConfig } from '../config/resolve';
import { trainRun } from '../engine/run/trainRun';
import {
  tableMatches,
  tableNoise,
  truthTableFor,
  type TruthTable,
} from '../engine/ranking/truthTable';
import { engineThreads } from '../engine/threads/engineThreads';
import { pairedClaim, type Claim } from '../engine/ranking/pairedClaim';
import { simulatedCeiling, type SimulatedCeiling } from '../engine/ranking/truthCeiling';

export interface RankingBenchOptions {
  config: string;
  seeds: number[];
  /** `path=value` overrides of the config (a training method to compare), YAML values. */
  overrides: string[];
  /** Supernet epochs (default: the config's). */
  epochs?: number;
}

/** One epoch's figures, with each subnet's supernet accuracy (its stand-alone one is the table's). */
export type EpochFigures = Omit<RankingEvent, 'type' | 'time' | 'points' | 'table'> & {
  /** The supernet's accuracy of each table subnet, by key. */
  inherited: Record<string, number>;
  /** Each table subnet's zero-cost proxies at the seed's initial weights, by key. */
  proxies?: Record<string, Record<string, number>>;
  largest: number;
  smallest: number;
};

export interface SeedResult {
  seed: number;
  seconds: number;
  /**
   * CPU seconds of the process (every thread) over the training: a cost that other work on
   * the machine barely moves, where wall seconds do; absent in results before 7 Dec 2026.
   */
  cpuSeconds?: number;
  epochs: EpochFigures[];
}

export interface RankingBench {
  table: string;
  config: string;
  overrides: string[];
  threads: number;
  subnets: number;
  noise: ReturnType<typeof tableNoise>;
  /** The τ a perfect predictor reaches against the table's truth, the mean of its seeds. */
  ceiling: SimulatedCeiling;
  seeds: SeedResult[];
  /**
   * Every seed's last epoch together against the strongest cheap baseline: the paired
   * interval resamples subnets, stand-alone seeds and supernet seeds.
   */
  claim?: Claim;
  /** The issue's bar on the last epoch of every seed. */
  met: {
    tau: boolean;
    partial: boolean;
    aboveFlops: boolean;
    bestPick: boolean;
    /** Paired: the interval of τ − FLOPs τ is above 0 (not part of the bar; its fair form). */
    advantageOverFlops: boolean;
    /** The interval of partial τ given FLOPs is above 0: the supernet adds to FLOPs. */
    addsToFlops: boolean;
    /** The paired interval of τ − the best cheap baseline's τ (per seed) is above 0. */
    aboveBestBaseline: boolean;
    /** The front by inherited accuracy reaches ≥ 95% of the true front's hypervolume. */
    front95: boolean;
  };
}

/** Sets `a.b.c` of a plain object to `value`. */
function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let at = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof at[k] !== 'object' || at[k] === null) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
}

/**
 * The config a benchmark seed trains: the file's with the overrides, the seed, and the
 * table's validation split (every seed scored on the images the table was scored on).
 * Written to `dir` and checked as a user's file would be.
 */
export function benchConfigFile(
  o: RankingBenchOptions,
  table: TruthTable,
  seed: number,
  dir: string,
): string {
  const doc = parseYaml(readFileSync(o.config, 'utf8')) as Record<string, unknown>;
  for (const o2 of o.overrides) {
    const eq = o2.indexOf('=');
    if (eq <= 0) throw new Error(`--set takes path=value, not '${o2}'`);
    setPath(doc, o2.slice(0, eq), parseYaml(o2.slice(eq + 1)));
  }
  setPath(doc, 'train.seed', seed);
  setPath(doc, 'task.splitSeed', table.recipe.splitSeed);
  if (o.epochs !== undefined) setPath(doc, 'train.epochs', o.epochs);
  const file = path.join(dir, `seed${seed}.supernet.yaml`);
  const text = stringify(doc);
  writeFileSync(file, text);
  const resolved = resolveConfig(text);
  const errors = resolved.problems.filter((p) => p.severity === 'error');
  if (errors.length)
    throw new Error(`the config with ${o.overrides.join(' ')}: ${errors[0].message}`);
  if (!tableMatches(table, resolved.config))
    throw new Error('the overrides change the space or task: the table no longer ranks it');
  return file;
}

async function benchSeed(
  o: RankingBenchOptions,
  table: TruthTable,
  seed: number,
): Promise<SeedResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'supernet-ranking-'));
  try {
    const configPath = benchConfigFile(o, table, seed, dir);
    const epochs = new Map<number, EpochEvent>();
    const figures: EpochFigures[] = [];
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    await trainRun(
      { type: 'start', configPath, runsDir: path.join(dir, 'runs') },
      {
        emit: (e: EngineEvent) => {
          if (e.type === 'epoch') epochs.set(e.epoch, e);
          if (e.type === 'ranking') {
            const f = figuresOf(e);
            const ep = epochs.get(e.epoch);
            figures.push({
              ...f,
              largest: ep?.largest.accuracy ?? NaN,
              smallest: ep?.smallest.accuracy ?? NaN,
            });
            process.stderr.write(`  seed ${seed} ${epochLine(figures[figures.length - 1])}\n`);
          }
          if (e.type === 'log' && e.level !== 'info') process.stderr.write(`  ${e.message}\n`);
        },
      },
    );
    const cpu = process.cpuUsage(cpu0);
    return {
      seed,
      seconds: Math.round((Date.now() - t0) / 1000),
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e6),
      epochs: figures,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An event's figures, its points cut to what the table does not hold. */
function figuresOf(e: RankingEvent): Omit<EpochFigures, 'largest' | 'smallest'> {
  const inherited = Object.fromEntries(e.points.map((p) => [p.key, p.supernetAccuracy]));
  const proxies = Object.fromEntries(
    e.points.flatMap((p) => (p.proxies ? [[p.key, p.proxies]] : [])),
  );
  const f: Partial<RankingEvent> & Pick<EpochFigures, 'inherited' | 'proxies'> = {
    ...e,
    inherited,
    ...(Object.keys(proxies).length ? { proxies } : {}),
  };
  delete f.type;
  delete f.time;
  delete f.points;
  delete f.table;
  return f as Omit<EpochFigures, 'largest' | 'smallest'>;
}

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const pct = (v: number) => (100 * v).toFixed(2);

const interval = (i: [number, number] | undefined) => (i ? `[${f2(i[0])}, ${f2(i[1])}]` : '');

export function epochLine(f: EpochFigures): string {
  const pick = f.bestPick
    ? `best pick ≤ ${f.bestPick.flopsLimit / 1000}k ${pct(f.bestPick.picked)} vs ${pct(f.bestPick.best)} (regret ${pct(f.bestPick.regret)})`
    : 'no subnet under the MACs limit';
  return (
    `epoch ${f.epoch}: τ ${f2(f.kendallTau)} ${interval(f.kendallTauInterval)} ` +
    `ρ ${f2(f.spearmanRho)} · MACs τ ${f2(f.flopsKendallTau)} (τ − MACs τ ${interval(f.flopsAdvantageInterval)}) · ` +
    `partial τ ${f2(f.partialKendallTau)} ${interval(f.partialKendallTauInterval)} · ` +
    `top-${f.topK.k} ${f2(f.topK.overlap)} · ${pick} · ${baselineText(f)}${topEndText(f)}` +
    `largest ${pct(f.largest)} smallest ${pct(f.smallest)}`
  );
}

function baselineText(f: EpochFigures): string {
  if (!f.bestBaseline) return '';
  return (
    `best baseline ${f.bestBaseline.name} τ ${f2(f.bestBaseline.kendallTau)} ` +
    `(τ − it, seeds resampled ${interval(f.baselineAdvantageInterval)}) · `
  );
}

function topEndText(f: EpochFigures): string {
  const t = f.topEnd;
  if (!t) return '';
  const regrets = t.regrets.map((r) => `${pct(r.regret)}@${Math.round(r.macs / 1000)}k`).join('/');
  return (
    `top quarter τ ${f2(t.topQuarterTau)}, precision@${t.precisionAtK.k} ${f2(t.precisionAtK.precision)}, ` +
    `regret ${regrets} pt, front ${(100 * t.frontShare).toFixed(1)}% of the true front's HV · `
  );
}

/**
 * The ranking benchmark: trains the supernet of the reference space once per seed and
 * reports, per epoch, how its inherited accuracies rank the table's subnets against their
 * stand-alone accuracies (the run itself emits the figures: EpochRanking).
 */
export async function benchRanking(o: RankingBenchOptions): Promise<RankingBench> {
  const base = resolveConfig(readFileSync(o.config, 'utf8')).config;
  const table = truthTableFor(base);
  if (!table)
    throw new Error(`${o.config}: no ranking table in data/ranking has this space and task`);
  const seeds: SeedResult[] = [];
  for (const seed of o.seeds) seeds.push(await benchSeed(o, table, seed));
  return {
    table: table.name,
    config: path.relative(process.cwd(), o.config),
    overrides: o.overrides,
    threads: engineThreads(),
    subnets: table.subnets.length,
    noise: tableNoise(table),
    ceiling: simulatedCeiling(truthRunsOf(table)),
    seeds,
    ...(claimOf(table, seeds) ?? {}),
    met: rankingVerdicts(seeds),
  };
}

export const truthRunsOf = (table: TruthTable): number[][] =>
  table.subnets.map((s) => s.accuracy.filter((a): a is number => a !== null));

/** The last epochs of all seeds against MACs and params, as one claim. */
export function claimOf(
  table: TruthTable,
  seeds: readonly SeedResult[],
): { claim: Claim } | undefined {
  const last = seeds.map((s) => s.epochs.at(-1)).filter((f): f is EpochFigures => !!f);
  if (!last.length) return undefined;
  const keys = table.subnets.map((s) => s.key);
  // Each seed's proxies at its own initial weights, paired with its supernet (older results
  // have none: then MACs and params only).
  const names = last.every((f) => f.proxies)
    ? Object.keys(Object.values(last[0].proxies!)[0] ?? {})
    : [];
  return {
    claim: pairedClaim({
      predicted: last.map((f) => keys.map((k) => f.inherited[k])),
      truthRuns: truthRunsOf(table),
      baselines: [
        { name: 'macs', values: table.subnets.map((s) => s.flops) },
        { name: 'params', values: table.subnets.map((s) => s.params) },
        ...names.map((name) => ({
          name,
          values: last.map((f) => keys.map((k) => f.proxies![k][name])),
        })),
      ],
    }),
  };
}

/** The issue's bars on the last epoch of every seed (each true only when every seed meets it). */
export function rankingVerdicts(seeds: readonly SeedResult[]): RankingBench['met'] {
  const last = seeds.map((s) => s.epochs[s.epochs.length - 1]).filter(Boolean);
  const all = (p: (f: EpochFigures) => boolean) => last.length > 0 && last.every(p);
  return {
    tau: all((f) => f.kendallTau >= 0.6),
    partial: all((f) => f.partialKendallTau >= 0.3),
    aboveFlops: all((f) => f.kendallTauInterval[0] > f.flopsKendallTau),
    bestPick: all((f) => (f.bestPick?.regret ?? Infinity) <= 0.005),
    advantageOverFlops: all((f) => (f.flopsAdvantageInterval?.[0] ?? NaN) > 0),
    addsToFlops: all((f) => (f.partialKendallTauInterval?.[0] ?? NaN) > 0),
    aboveBestBaseline: all((f) => (f.baselineAdvantageInterval?.[0] ?? NaN) > 0),
    front95: all((f) => (f.topEnd?.frontShare ?? NaN) >= 0.95),
  };
}

/** The last epoch's sentence on where along MACs to trust the order, when it has regions. */
const regionLines = (f: EpochFigures | undefined): string[] => {
  const sentence = f && regionSentence(f as RankingFigures);
  return sentence ? [`  by MACs: ${sentence}`] : [];
};

export function rankingBenchText(r: RankingBench): string {
  const rows = r.seeds.flatMap((s) => [
    `seed ${s.seed} (${s.seconds} s${s.cpuSeconds !== undefined ? `, ${s.cpuSeconds} CPU s` : ''}):`,
    ...s.epochs.map((f) => `  ${epochLine(f)}`),
    ...regionLines(s.epochs.at(-1)),
  ]);
  return (
    `ranking benchmark ${r.table} (${r.subnets} subnets; noise ceiling τ ${f2(r.ceiling.ceiling)} ` +
    `against the mean of the seeds, seed vs seed τ ${f2(r.noise.noiseCeiling)} ` +
    `from ${r.noise.pairs} pairs; stand-alone SD ${pct(r.noise.spreadSd)} pt, seed SD ${pct(r.noise.seedSd)} pt), ` +
    `${r.config}${r.overrides.length ? ' with ' + r.overrides.join(' ') : ''}, ${r.threads} thread(s):\n` +
    rows.join('\n') +
    `\nlast epoch, every seed: τ ≥ 0.6 ${r.met.tau ? 'yes' : 'no'} · partial τ ≥ 0.3 ${r.met.partial ? 'yes' : 'no'} · ` +
    `CI above MACs τ ${r.met.aboveFlops ? 'yes' : 'no'} · best pick within 0.5 pt ${r.met.bestPick ? 'yes' : 'no'}\n` +
    `(paired: τ − MACs τ interval above 0 ${r.met.advantageOverFlops ? 'yes' : 'no'} · ` +
    `partial τ interval above 0 ${r.met.addsToFlops ? 'yes' : 'no'} · ` +
    `τ − best baseline interval above 0 ${r.met.aboveBestBaseline ? 'yes' : 'no'} · ` +
    `front ≥ 95% of the true front's HV ${r.met.front95 ? 'yes' : 'no'})\n` +
    (r.claim
      ? `every seed together: τ ${f2(r.claim.kendallTau)} against ${r.claim.best} ` +
        `${f2(r.claim.baselines.find((b) => b.name === r.claim!.best)!.kendallTau)}, ` +
        `τ − it 95% CI ${interval(r.claim.advantageInterval)} (subnets, stand-alone and supernet seeds resampled)\n`
      : '')
  );
}
