import { archKey, isArch, type Arch } from '../arch';
import type { Objective } from '../metrics';

/**
 * What each file of a run folder holds, one type per record kind, and the checks that
 * turn what a reader finds (a file of another version, a torn line, a hand edit) into
 * records or nothing. Writers are typed by these; readers trust nothing else.
 */

/**
 * `interrupted`: written by a reader that found the run `running` with no live process
 * holding its lock (its engine was killed), so the file agrees with what every view shows.
 */
export const RUN_STATUSES = ['running', 'completed', 'cancelled', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** run.json. */
export interface RunMeta {
  id: string;
  /** The config file the run was started from (its data paths are relative to it). */
  configPath: string;
  /** When the run was first started (a resume keeps it). */
  created: string;
  status: RunStatus;
  backend?: string;
  step?: number;
  totalSteps?: number;
}

/** One evaluated subnet: a line of candidates.jsonl. */
export interface Candidate {
  key: string;
  arch: Arch;
  /** Top-1 validation accuracy (0–1) after batch-norm recalibration. */
  accuracy: number;
  loss: number;
  /** Multiply-accumulates and parameters, from the analytic model. */
  flops: number;
  params: number;
  /** Median ms of one image in onnxruntime-node, when measured. */
  latency?: number;
  /** The checkpoint step whose weights were evaluated: a resumed run's older figures are stale. */
  checkpointStep: number;
  /** Which search (or ranking check) first evaluated it, and in which generation. */
  source: string;
  generation: number;
  time: number;
  /** The queue worker that evaluated it (`host:pid` or its --name); absent when run locally. */
  worker?: string;
}

/**
 * A candidate's figures as events, pareto.json, the chart and the tree carry them, with
 * whether it meets the search's constraints (when that was judged).
 */
export type CandidateFigures = Pick<Candidate, 'key' | 'accuracy' | 'flops' | 'params'> & {
  latency?: number;
  feasible?: boolean;
  worker?: string;
};

/** pareto.json: the answer of the last search of a run. */
export interface ParetoFile {
  version: 1;
  runId: string;
  search: string;
  algorithm: 'nsga2' | 'random';
  seed: number;
  budget: number;
  objectives: Objective[];
  constraints: string[];
  referencePoint: number[];
  hypervolume: number;
  evaluations: number;
  stopReason: string;
  history: { generation: number; evaluations: number; hypervolume: number }[];
  /** The feasible non-dominated subnets, sorted by the first objective (best first). */
  front: (CandidateFigures & { arch: Arch; loss: number })[];
  time: string;
}

/** One subnet of a ranking check: its accuracy in the supernet and trained alone. */
export interface RankedSubnet {
  key: string;
  flops: number;
  params: number;
  /** Accuracy with the supernet's weights (BN recalibrated), as search measures it. */
  supernetAccuracy: number;
  /** Accuracy after training the subnet alone from scratch with the same recipe. */
  standaloneAccuracy: number;
  standaloneSeconds: number;
}

/** rank.json: the last ranking check of a run. */
export interface RankFile {
  runId: string;
  epochs: number;
  seed: number;
  subnets: RankedSubnet[];
  kendallTau: number;
  spearmanRho: number;
  /** See RankingFigures (shared/src/ranking.ts); absent in rank.json of older versions. */
  kendallTauInterval?: [number, number];
  flopsKendallTau?: number;
  partialKendallTau?: number;
  /**
   * MACs, params and the zero-cost proxies at the run's initial weights: each one's τ, the
   * best, and the paired bootstrap interval of τ − the best's τ (absent in older files).
   */
  baselines?: { name: string; kendallTau: number }[];
  bestBaseline?: { name: string; kendallTau: number };
  baselineAdvantageInterval?: [number, number];
  time: string;
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStr = (x: unknown): x is string => typeof x === 'string';

export const isRunStatus = (x: unknown): x is RunStatus =>
  (RUN_STATUSES as readonly unknown[]).includes(x);

/** run.json's content, with only the fields that have the right types; undefined when not an object. */
export function parseRunMeta(x: unknown): Partial<RunMeta> | undefined {
  if (!isObj(x)) return undefined;
  const m: Partial<RunMeta> = {};
  if (isStr(x.id)) m.id = x.id;
  if (isStr(x.configPath)) m.configPath = x.configPath;
  if (isStr(x.created)) m.created = x.created;
  if (isRunStatus(x.status)) m.status = x.status;
  if (isStr(x.backend)) m.backend = x.backend;
  if (isNum(x.step)) m.step = x.step;
  if (isNum(x.totalSteps)) m.totalSteps = x.totalSteps;
  return m;
}

const isShare = (x: unknown): x is number => isNum(x) && x >= 0 && x <= 1;
const isCount = (x: unknown): x is number => isNum(x) && x >= 0;

/**
 * Whether an arch is a subnet at all: a positive resolution, and every stage at least one
 * block deep with as many block settings as its depth, all positive. (Whether it is a
 * subnet of the run's space is for the engine, which knows the space.)
 */
const isSubnet = (a: Arch): boolean =>
  a.resolution > 0 &&
  a.stages.length > 0 &&
  a.stages.every(
    (s) =>
      s.depth >= 1 &&
      s.width > 0 &&
      s.blocks.length === s.depth &&
      s.blocks.every((b) => b.kernel > 0 && b.expand > 0),
  );

/**
 * A candidates.jsonl line, or undefined when it is not one: an accuracy outside 0–1, an
 * empty architecture or a key that is not its architecture's is refused on reading, not
 * first at export.
 */
export function parseCandidate(x: unknown): Candidate | undefined {
  if (!isObj(x) || !isStr(x.key) || !x.key || !isArch(x.arch)) return undefined;
  if (!isSubnet(x.arch) || archKey(x.arch) !== x.key) return undefined;
  if (!isShare(x.accuracy) || !isCount(x.flops) || !isCount(x.params)) return undefined;
  const c: Candidate = {
    key: x.key,
    arch: x.arch,
    accuracy: x.accuracy,
    loss: isNum(x.loss) ? x.loss : NaN,
    flops: x.flops,
    params: x.params,
    checkpointStep: isNum(x.checkpointStep) ? x.checkpointStep : -1,
    source: isStr(x.source) ? x.source : '',
    generation: isNum(x.generation) ? x.generation : 0,
    time: isNum(x.time) ? x.time : 0,
  };
  if (isNum(x.latency)) c.latency = x.latency;
  if (isStr(x.worker) && x.worker) c.worker = x.worker;
  return c;
}

/** A subnet's figures from an event or a pareto.json entry, or undefined when they are incomplete. */
export function parseCandidateFigures(x: unknown): CandidateFigures | undefined {
  if (!isObj(x) || !isStr(x.key) || !x.key) return undefined;
  if (!isNum(x.accuracy) || !isNum(x.flops) || !isNum(x.params)) return undefined;
  const f: CandidateFigures = {
    key: x.key,
    accuracy: x.accuracy,
    flops: x.flops,
    params: x.params,
  };
  if (isNum(x.latency)) f.latency = x.latency;
  if (typeof x.feasible === 'boolean') f.feasible = x.feasible;
  if (isStr(x.worker) && x.worker) f.worker = x.worker;
  return f;
}

/** The front of a pareto.json (each entry with its arch when the file has it), or undefined. */
export function parseParetoFront(x: unknown): (CandidateFigures & { arch?: Arch })[] | undefined {
  if (!isObj(x) || !Array.isArray(x.front)) return undefined;
  return x.front.flatMap((e: unknown) => {
    const f = parseCandidateFigures(e);
    if (!f) return [];
    return [isObj(e) && isArch(e.arch) ? { ...f, arch: e.arch } : f];
  });
}
