import { archKey, isArch, type Arch } from '../arch';
import type { Objective } from '../metrics';
import type { MacsRegion } from '../ranking';

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
  /** The order within each third of the MACs range (absent in older files and below 15 subnets). */
  regions?: MacsRegion[];
  time: string;
}

/**
 * One subnet trained alone from scratch for a ranking check: a line of standalone.jsonl,
 * what `recipe` (queueJobs.recipeOf) and `epochs` gave it. Its accuracy is the
 * stand-alone kind (shared/src/accuracyKinds.ts).
 */
export interface StandaloneRecord {
  recipe: string;
  key: string;
  epochs: number;
  accuracy: number;
  loss: number;
  images: number;
  seconds: number;
  time: string;
  /** The queue worker that trained it; absent when trained locally. */
  worker?: string;
}

/**
 * result.json of a completed fine-tune (`<run>/finetune/<key>/`): the subnet's accuracy
 * as it inherited it from the supernet and after `epochs` of fine-tuning, both batch norm
 * recalibrated and measured on the run's validation split, and what it took.
 */
export interface FinetuneResult {
  version: 1;
  runId: string;
  key: string;
  arch: Arch;
  flops: number;
  params: number;
  epochs: number;
  steps: number;
  /** Peak learning rate of the cosine schedule. */
  lr: number;
  /** The frozen teacher's arch key (the supernet's largest subnet); absent without distillation. */
  teacher?: string;
  /** The run checkpoint's step, and the SHA-256 of its tensors, the weights came from. */
  sourceStep: number;
  sourceSha256: string;
  inherited: { accuracy: number; loss: number };
  finetuned: { accuracy: number; loss: number };
  /** Seconds of fine-tuning (steps and per-epoch evaluations), across resumes. */
  seconds: number;
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

/** A standalone.jsonl line, or undefined when it is not one. */
export function parseStandaloneRecord(x: unknown): StandaloneRecord | undefined {
  if (!isObj(x)) return undefined;
  if (!isStr(x.recipe) || !isStr(x.key) || !isNum(x.epochs)) return undefined;
  if (!isShare(x.accuracy) || !isNum(x.loss)) return undefined;
  if (!isCount(x.images) || !isCount(x.seconds)) return undefined;
  return {
    recipe: x.recipe,
    key: x.key,
    epochs: x.epochs,
    accuracy: x.accuracy,
    loss: x.loss,
    images: x.images,
    seconds: x.seconds,
    time: isStr(x.time) ? x.time : '',
    ...(isStr(x.worker) ? { worker: x.worker } : {}),
  };
}

const isFigure = (x: unknown): x is { accuracy: number; loss: number } =>
  isObj(x) && isShare(x.accuracy) && isNum(x.loss);

/** A fine-tune's result.json, or undefined when it is not one (or its key is not its arch's). */
export function parseFinetuneResult(x: unknown): FinetuneResult | undefined {
  if (!isObj(x) || x.version !== 1 || !isStr(x.runId) || !isStr(x.key) || !isArch(x.arch))
    return undefined;
  if (archKey(x.arch) !== x.key || !isSubnet(x.arch)) return undefined;
  if (!isFigure(x.inherited) || !isFigure(x.finetuned)) return undefined;
  for (const k of ['flops', 'params', 'epochs', 'steps', 'lr', 'sourceStep', 'seconds'] as const)
    if (!isCount(x[k])) return undefined;
  if (!isStr(x.sourceSha256)) return undefined;
  if (x.teacher !== undefined && !isStr(x.teacher)) return undefined;
  return {
    version: 1,
    runId: x.runId,
    key: x.key,
    arch: x.arch,
    flops: x.flops as number,
    params: x.params as number,
    epochs: x.epochs as number,
    steps: x.steps as number,
    lr: x.lr as number,
    ...(isStr(x.teacher) ? { teacher: x.teacher } : {}),
    sourceStep: x.sourceStep as number,
    sourceSha256: x.sourceSha256,
    inherited: { accuracy: x.inherited.accuracy, loss: x.inherited.loss },
    finetuned: { accuracy: x.finetuned.accuracy, loss: x.finetuned.loss },
    seconds: x.seconds as number,
    time: isStr(x.time) ? x.time : '',
  };
}
