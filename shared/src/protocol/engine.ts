import { parseExecutor, type WorkerInfo } from '../executor';
import type { Objective } from '../metrics';
import type { MacsRegion } from '../ranking';
import type { CandidateFigures, FinetuneResult, RankedSubnet } from '../runFolder/records';

/**
 * Messages between the engine process and whoever drives it (the CLI or the language
 * server, through one EngineProcess). Engine → driver: `EngineEvent`s, one JSON object a
 * line in the run folder's logs and over IPC. Driver → engine: `EngineCommand`s over IPC.
 */

export type SubnetRole = 'largest' | 'smallest' | 'random';

/** Engine → driver: the run started (or resumed). */
export interface RunStartEvent {
  type: 'run-start';
  time: number;
  runId: string;
  runDir: string;
  configPath: string;
  backend: string;
  /** Threads a training step uses (subnet-parallel steps); absent in runs before it was recorded. */
  threads?: number;
  /** Backends tried before the one used, with the reason each was skipped. */
  fellBackFrom: string[];
  dataset: { name: string; source: string; folder: string; train: number; validation: number };
  totalSteps: number;
  stepsPerEpoch: number;
  batchSize: number;
  supernetParams: number;
  resumedFromStep?: number;
  seed: number;
}

/**
 * Engine → driver: one training step.
 * `gradVariance.total`: the mean over every shared weight element θ of the variance,
 * across the n subnets trained in the step, of each subnet's gradient ∂L_i/∂θ
 * (a subnet that does not use θ contributes 0): (1/P) Σ_θ [ (1/n) Σ_i g_iθ² − ((1/n) Σ_i g_iθ)² ].
 * `gradVariance.stages[s]`: the same mean over the weights of stage s only. 0 when n = 1.
 */
export interface StepEvent {
  type: 'step';
  time: number;
  step: number;
  epoch: number;
  lr: number;
  /** Cross-entropy against the labels of each trained subnet, in training order. */
  losses: { role: SubnetRole; loss: number; flops: number }[];
  /** Mean KL(teacher ‖ student) over the distilled subnets; absent without distillation. */
  distillLoss?: number;
  imagesPerSec: number;
  gradVariance: { total: number; stages: number[] };
}

/** Engine → driver: validation accuracy at the end of an epoch (after BN recalibration). */
export interface EpochEvent {
  type: 'epoch';
  time: number;
  epoch: number;
  step: number;
  largest: { accuracy: number; loss: number; flops: number };
  smallest: { accuracy: number; loss: number; flops: number };
  seconds: number;
}

/** Engine → driver: the sampler's current probabilities (importance sampling). */
export interface SamplerEvent {
  type: 'sampler';
  time: number;
  step: number;
  probabilities: Record<string, number[]>;
}

/** Engine → driver: a checkpoint was written. */
export interface CheckpointEvent {
  type: 'checkpoint';
  time: number;
  step: number;
  file: string;
  bytes: number;
}

/** Engine → driver: a human-readable line for the log. */
export interface LogEvent {
  type: 'log';
  time: number;
  level: 'info' | 'warning' | 'error';
  message: string;
}

/** Engine → driver: the run ended. */
export interface RunEndEvent {
  type: 'run-end';
  time: number;
  status: 'completed' | 'cancelled' | 'failed';
  step: number;
  message?: string;
  seconds: number;
}

/** Engine → driver: answer to `status`. */
export interface StatusEvent {
  type: 'status';
  time: number;
  state: 'idle' | 'running' | 'stopping';
  runId?: string;
  step?: number;
  totalSteps?: number;
}

/** Engine → driver: one subnet was evaluated (or taken from candidates.jsonl). */
export interface CandidateEvent {
  type: 'candidate';
  time: number;
  generation: number;
  candidate: CandidateFigures;
  /** True when the figures came from candidates.jsonl rather than a new evaluation. */
  cached: boolean;
}

/** Engine → driver: a search started on a trained run. */
export interface SearchStartEvent {
  type: 'search-start';
  time: number;
  runId: string;
  algorithm: 'nsga2' | 'random';
  objectives: Objective[];
  constraints: string[];
  budget: number;
  seed: number;
  /** Evaluations already in candidates.jsonl that the search reuses. */
  cached: number;
}

/** Engine → driver: one generation (or one batch of random search) is done. */
export interface GenerationEvent {
  type: 'generation';
  time: number;
  generation: number;
  evaluations: number;
  /** Hypervolume of the feasible front against the search's reference point. */
  hypervolume: number;
  /** The reference point, in minimised objectives (accuracy as −accuracy). */
  referencePoint: number[];
  front: CandidateFigures[];
  evaluationsPerSec: number;
}

/** Engine → driver: the search ended; `front` is what pareto.json holds. */
export interface SearchEndEvent {
  type: 'search-end';
  time: number;
  status: 'completed' | 'cancelled' | 'failed';
  evaluations: number;
  hypervolume: number;
  front: CandidateFigures[];
  seconds: number;
  /** pareto.json of this search, when it was written. */
  paretoFile?: string;
  message?: string;
}

/** What an exported model computes in: float32 (the default) or int8 (a QDQ graph). */
export type ExportPrecision = 'float32' | 'int8';
export const EXPORT_PRECISIONS: readonly ExportPrecision[] = ['float32', 'int8'];

/**
 * How int8 export chooses each activation's range from the calibration images: `minmax`
 * their whole range, `percentile` the range without the 0.01% tails at either end.
 */
export type CalibrationMethod = 'minmax' | 'percentile';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile'];

/** Median latencies of one model in onnxruntime-node on one thread, in milliseconds. */
export interface BatchLatencies {
  batch1Ms: number;
  batch32Ms: number;
}

/** An int8 export measured against its float32 model in onnxruntime-node. */
export interface Int8Figures {
  calibration: CalibrationMethod;
  /** Training images the activation ranges were calibrated on. */
  calibrationImages: number;
  /** Accuracy on the validation split of the float32 model and of the int8 one. */
  floatAccuracy: number;
  int8Accuracy: number;
  /** 100 · (floatAccuracy − int8Accuracy): percentage points lost to int8. */
  accuracyDropPoints: number;
  /** Largest |int8 logit − float32 logit| over the validation images. */
  maxAbsDiff: number;
  /** Share of validation images whose predicted class is the same in both. */
  agreement: number;
  /** Size of the float32 model file, for the ratio to the int8 one's `bytes`. */
  floatBytes: number;
  latency: { float32: BatchLatencies; int8: BatchLatencies };
  /**
   * The kernels onnxruntime ran the int8 model with, nodes by op type, from its profile of
   * one run: QLinearConv, QLinearAdd, QGemm… where its QDQ fusions applied; Conv with
   * QuantizeLinear/DequantizeLinear where they did not (a float fallback).
   */
  kernels: Record<string, number>;
}

/** Engine → driver: a subnet was exported and verified against the supernet. */
export interface ExportEvent {
  type: 'export';
  time: number;
  key: string;
  file: string;
  sidecarFile: string;
  bytes: number;
  /**
   * Largest |ONNX logit − supernet logit| over the validation images, of the float32 graph
   * (an int8 model's own difference to that graph is in `int8`).
   */
  maxAbsDiff: number;
  /** Accuracy of the written model on the validation split. */
  onnxAccuracy: number;
  /**
   * Which weights were exported, so which kind of accuracy `onnxAccuracy` is: `inherited`
   * (the supernet's, batch norm recalibrated) or `finetuned` (after `supernet finetune`).
   * Absent in events of older versions: inherited.
   */
  accuracyKind?: 'inherited' | 'finetuned';
  /** The accuracy recorded for these weights (candidates.jsonl, or the fine-tune's result), when there is one. */
  recordedAccuracy?: number;
  /** Median batch-1 latency of the written model, one thread. */
  latencyMs: number;
  /** Absent in exports from before int8 existed: float32. */
  precision?: ExportPrecision;
  /** The int8 export's figures, when precision is int8. */
  int8?: Int8Figures;
}

/**
 * Engine → driver: a fine-tune of one subnet started (or resumed). The subnet's weights are
 * its slice of the supernet's, batch norm recalibrated; `inherited` is their accuracy.
 */
export interface FinetuneStartEvent {
  type: 'finetune-start';
  time: number;
  runId: string;
  key: string;
  /** The folder of this subnet's fine-tune (`<run>/finetune/<key>/`). */
  dir: string;
  epochs: number;
  totalSteps: number;
  stepsPerEpoch: number;
  batchSize: number;
  lr: number;
  /** The frozen teacher's arch key (the supernet's largest subnet); absent without distillation. */
  teacher?: string;
  /** The run checkpoint's step the weights came from. */
  sourceStep: number;
  inherited: { accuracy: number; loss: number };
  backend: string;
  threads: number;
  resumedFromStep?: number;
}

/** Engine → driver: one step of a fine-tune. */
export interface FinetuneStepEvent {
  type: 'finetune-step';
  time: number;
  key: string;
  step: number;
  epoch: number;
  lr: number;
  /** Cross-entropy against the labels. */
  loss: number;
  /** KL(teacher ‖ subnet); absent without distillation. */
  distillLoss?: number;
  imagesPerSec: number;
}

/** Engine → driver: the fine-tuned subnet's validation accuracy at the end of an epoch (batch norm recalibrated). */
export interface FinetuneEpochEvent {
  type: 'finetune-epoch';
  time: number;
  key: string;
  epoch: number;
  step: number;
  accuracy: number;
  loss: number;
  seconds: number;
}

/** Engine → driver: the fine-tune ended; when completed, `result` is what `result.json` holds. */
export interface FinetuneEndEvent {
  type: 'finetune-end';
  time: number;
  key: string;
  status: 'completed' | 'cancelled' | 'failed';
  step: number;
  result?: FinetuneResult;
  message?: string;
  seconds: number;
}

/** One subnet of a per-epoch ranking: its accuracy in the supernet and trained alone. */
export interface RankingPoint {
  key: string;
  flops: number;
  supernetAccuracy: number;
  /** From the benchmark's ground-truth table (the mean over its seeds). */
  standaloneAccuracy: number;
  /** Its zero-cost proxies at initialisation, by name (absent in older runs). */
  proxies?: Record<string, number>;
}

/**
 * Engine → driver: how the supernet ranks subnets at the end of an epoch, against the
 * shipped ground-truth table of its space (only runs on a benchmark space emit it).
 */
export interface RankingEvent {
  type: 'ranking';
  time: number;
  epoch: number;
  step: number;
  /** The ground-truth table's name. */
  table: string;
  subnets: number;
  kendallTau: number;
  kendallTauInterval: [number, number];
  spearmanRho: number;
  flopsKendallTau: number;
  partialKendallTau: number;
  /** 95% paired bootstrap interval of partial τ given FLOPs (absent in older runs). */
  partialKendallTauInterval?: [number, number];
  /**
   * 95% paired bootstrap interval of τ − FLOPs τ over the same resampled subnets (absent in
   * older runs): above 0, the supernet ranks better than counting FLOPs.
   */
  flopsAdvantageInterval?: [number, number];
  /**
   * The τ a perfect predictor reaches against the table's truth (the mean of its seeds).
   * Events without `seedAgreement` are older: theirs is τ between two seeds.
   */
  noiseCeiling: number;
  /** τ between two stand-alone seeds of the table (absent in older runs). */
  seedAgreement?: number;
  /** Each cheap baseline's τ against the truth: MACs, params, zero-cost proxies (absent in older runs). */
  baselines?: { name: string; kendallTau: number }[];
  bestBaseline?: { name: string; kendallTau: number };
  /**
   * 95% paired bootstrap interval of τ − the best baseline's τ, subnets and stand-alone
   * seeds resampled, the best chosen again in every draw (absent in older runs).
   */
  baselineAdvantageInterval?: [number, number];
  /** The order within each third of the MACs range (absent in older runs and below 15 subnets). */
  regions?: MacsRegion[];
  /** Quality at the top, where users pick (absent in older runs): see engine/ranking/topEnd.ts. */
  topEnd?: {
    topQuarterTau: number;
    precisionAtK: { k: number; precision: number };
    regrets: { macs: number; candidates: number; picked: number; best: number; regret: number }[];
    frontShare: number;
  };
  /** Of the table's best k subnets, the share among the supernet's best k. */
  topK: { k: number; overlap: number };
  /** The supernet's best pick under the FLOPs limit, against the table's best under it. */
  bestPick?: {
    flopsLimit: number;
    pickedKey: string;
    picked: number;
    bestKey: string;
    best: number;
    regret: number;
  };
  points: RankingPoint[];
  seconds: number;
}

/**
 * Engine → driver: whether the supernet's ranking has settled, at the end of an epoch: τ
 * between this epoch's and the previous epoch's inherited accuracies of a fixed probe set
 * of subnets (the benchmark table's on a benchmark space; else subnets spread over MACs).
 * Settled (τ ≥ STABLE_TAU) says more training will not reorder them much, not that the
 * order is right: only a ranking check says that.
 */
export interface StabilityEvent {
  type: 'stability';
  time: number;
  epoch: number;
  step: number;
  /** Subnets in the probe set. */
  probe: number;
  /** τ-b against the previous epoch; null at the first epoch. */
  kendallTau: number | null;
  settled: boolean;
  seconds: number;
}

/** The epoch-to-epoch τ above which a ranking counts as settled (lab/maturity-signal.mjs). */
export const STABLE_TAU = 0.85;

/** Engine → driver: a ranking check started on a trained run. */
export interface RankStartEvent {
  type: 'rank-start';
  time: number;
  runId: string;
  subnets: number;
  epochs: number;
  seed: number;
}

/** Engine → driver: progress of the stand-alone training of one subnet of a ranking check. */
export interface RankProgressEvent {
  type: 'rank-progress';
  time: number;
  /** 1-based index of the subnet being trained, of `subnets`. */
  subnet: number;
  subnets: number;
  key: string;
  step: number;
  steps: number;
  loss: number;
}

/** Engine → driver: one subnet of a ranking check is measured both ways. */
export interface RankedEvent {
  type: 'ranked';
  time: number;
  subnet: RankedSubnet;
}

/** Engine → driver: the ranking check ended; its figures are what rank.json holds. */
export interface RankEndEvent {
  type: 'rank-end';
  time: number;
  status: 'completed' | 'cancelled' | 'failed';
  kendallTau?: number;
  spearmanRho?: number;
  /** The rest of the figures (shared/src/ranking.ts), when completed. */
  subnets?: number;
  kendallTauInterval?: [number, number];
  flopsKendallTau?: number;
  partialKendallTau?: number;
  /** Every cheap baseline's τ, the best, and the paired interval of τ − its τ (see RankingEvent). */
  baselines?: { name: string; kendallTau: number }[];
  bestBaseline?: { name: string; kendallTau: number };
  baselineAdvantageInterval?: [number, number];
  regions?: MacsRegion[];
  rankFile?: string;
  message?: string;
  seconds: number;
}

/** Engine → driver: the answer to `probe`. */
export interface ProbeEvent {
  type: 'probe';
  time: number;
  /** The tfjs backend that started, and its package. */
  backend: string;
  package: string;
  /** Packages tried before it, each with why it was skipped. */
  skipped: { package: string; reason: string }[];
  node: string;
  platform: string;
  /** Cores the engine may use. */
  cores: number;
}

/**
 * Engine → driver: how the jobs of a search or ranking check stand on a queue executor,
 * about once a second: the workers connected, this job's queue jobs waiting, running and
 * done, and the evaluations per second over the job so far.
 */
export interface ExecutorEvent {
  type: 'executor';
  time: number;
  /** The queue's URL (password hidden). */
  executor: string;
  workers: WorkerInfo[];
  queued: number;
  running: number;
  done: number;
  evaluationsPerSec: number;
  /** Something the user should know: Redis unreachable, no worker of this version. */
  message?: string;
}

/** Engine (as `supernet worker`) → driver: what the worker did. */
export interface WorkerEvent {
  type: 'worker';
  time: number;
  state: 'connected' | 'job-start' | 'job-end' | 'refused' | 'disconnected' | 'stopped';
  worker: WorkerInfo;
  /** The job: its subnets, and at its end the seconds it took and how many it computed (the rest were done before). */
  job?: {
    id: string;
    kind: 'evaluate' | 'train-alone';
    subnets: number;
    seconds?: number;
    computed?: number;
  };
  message?: string;
}

export type EngineEvent =
  | FinetuneStartEvent
  | FinetuneStepEvent
  | FinetuneEpochEvent
  | FinetuneEndEvent
  | ExecutorEvent
  | WorkerEvent
  | ProbeEvent
  | RankingEvent
  | StabilityEvent
  | RankStartEvent
  | RankProgressEvent
  | RankedEvent
  | RankEndEvent
  | SearchStartEvent
  | CandidateEvent
  | ExportEvent
  | GenerationEvent
  | SearchEndEvent
  | RunStartEvent
  | StepEvent
  | EpochEvent
  | SamplerEvent
  | CheckpointEvent
  | LogEvent
  | RunEndEvent
  | StatusEvent;

/** Driver → engine: start a new run of a config, or resume one. */
export interface StartCommand {
  type: 'start';
  configPath: string;
  /** Folder holding the runs (`.supernet/runs`). */
  runsDir: string;
  /** Stop after this many steps in total (overrides the config's length). */
  steps?: number;
  /** Resume this run id instead of starting a new one. */
  resume?: string;
  /** Backend override (`auto`, `wasm`, …). */
  backend?: string;
}

/** Driver → engine: stop within one step, writing a checkpoint. */
export interface CancelCommand {
  type: 'cancel';
}

/** Driver → engine: report state with a `status` event. */
export interface StatusCommand {
  type: 'status';
}

/** Driver → engine: search a trained run (events go to `<run>/search-events.jsonl` too). */
export interface SearchCommand {
  type: 'search';
  /** A run id, a run folder, or a config file (then its newest trained run). */
  run: string;
  runsDir: string;
  /** Overrides of the config's `search:` section. */
  algorithm?: 'nsga2' | 'random';
  /** Most subnets to evaluate (default population × generations). */
  budget?: number;
  seed?: number;
  population?: number;
  generations?: number;
  /** `local` (default) or `redis://HOST:PORT`: where the subnets are evaluated. */
  executor?: string;
}

/** Driver → engine: export one subnet of a trained run as ONNX and verify it. */
export interface ExportCommand {
  type: 'export';
  run: string;
  runsDir: string;
  /** The subnet's arch key; or `bestUnder` picks the most accurate candidate meeting them. */
  key?: string;
  /** Constraints such as `flops <= 300k`, applied to candidates.jsonl. */
  bestUnder?: string[];
  /** Output file (default `<run>/exports/<key>.onnx`). */
  file?: string;
  /** Replace an existing file that is not an earlier export (never a run's state files). */
  force?: boolean;
  /** float32 (default) or int8: static post-training quantisation, verified against float32. */
  precision?: ExportPrecision;
  /** int8 only: how activation ranges are calibrated (default the engine's DEFAULT_CALIBRATION). */
  calibration?: CalibrationMethod;
  /**
   * int8 only: a drop in validation accuracy from float32 to int8, in percentage points,
   * above which the export warns (default the engine's MAX_INT8_DROP_POINTS). Any number:
   * a negative one makes every export warn (what the tests use to see the warning).
   */
  maxInt8DropPoints?: number;
  /** Export the weights of the subnet's completed fine-tune (`<run>/finetune/<key>/`), not the inherited ones. */
  finetuned?: boolean;
}

/**
 * Driver → engine: fine-tune one subnet of a trained run: its inherited weights trained
 * alone, with distillation from the supernet's largest subnet (frozen) unless turned off.
 * Events go to `<run>/finetune/<key>/events.jsonl` too.
 */
export interface FinetuneCommand {
  type: 'finetune';
  run: string;
  runsDir: string;
  key: string;
  /** Epochs of training (fractions allowed; default FINETUNE_DEFAULTS.epochs). */
  epochs?: number;
  /** Peak learning rate of the cosine schedule (default FINETUNE_DEFAULTS.lr). */
  lr?: number;
  /** Knowledge distillation from the supernet's largest subnet (default FINETUNE_DEFAULTS.distillation). */
  distillation?: boolean;
}

/**
 * The fine-tune's defaults, chosen by measurement (README, "Fine-tuning a subnet"). LR and
 * distillation on three front subnets of the tiny example after its default epoch
 * (lab/finetune-defaults.mjs): over LR 0.005–0.08 × distillation on/off for 1 epoch, the
 * gain grew with the LR (+3.1 points at 0.005, +7.5 at 0.04, +8.0 at 0.08, labels only) and
 * labels alone beat distillation from the largest subnet at every LR in 0.6 of its time;
 * 0.04 stays below the supernet's own peak rate (0.05). The length on six front subnets of
 * each of ranking-ref (after its benchmark training) and the tiny example
 * (lab/finetune-gap.mjs): 1.5 epochs is the one length that recovers at least 75% of the
 * gap to 8 epochs of stand-alone training in at most a quarter of its time on both (83% in
 * 24%, 77% in 19%); 1 epoch recovers 68–70%, 2 take 27–30% of the time.
 */
export const FINETUNE_DEFAULTS = { epochs: 1.5, lr: 0.04, distillation: false } as const;

/** Driver → engine: report the backend training would use (`supernet version`), then exit. */
export interface ProbeCommand {
  type: 'probe';
  backend?: string;
}

/** Driver → engine: train K subnets alone and compare their ranking with the supernet's. */
export interface RankCommand {
  type: 'rank';
  run: string;
  runsDir: string;
  /** Subnets to train alone (default 8). */
  subnets?: number;
  /** Epochs of each stand-alone training (default 1). */
  epochs?: number;
  seed?: number;
  /** `local` (default) or `redis://HOST:PORT`: where the subnets are trained alone. */
  executor?: string;
}

/**
 * Driver → engine: become a queue worker (`supernet worker`): take evaluation and
 * stand-alone training jobs from the queue until cancelled.
 */
export interface WorkerCommand {
  type: 'worker';
  /** The queue's Redis URL. */
  queue: string;
  /** The worker's name in the registry and in candidates.jsonl (default `host:pid`). */
  name?: string;
  /** Threads each evaluation uses (default: the machine's cores). */
  threads?: number;
  /** Backend override for stand-alone training (`auto`, `wasm`, …). */
  backend?: string;
  /**
   * The folders whose runs it serves (absolute): a job naming a run folder anywhere else is
   * refused before anything of it is read. Default: the working folder's .supernet/runs.
   */
  runs?: string[];
}

export type EngineCommand =
  | StartCommand
  | SearchCommand
  | ExportCommand
  | RankCommand
  | FinetuneCommand
  | ProbeCommand
  | WorkerCommand
  | CancelCommand
  | StatusCommand;

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStr = (x: unknown): x is string => typeof x === 'string';

/** Why an `executor` field is not one, or undefined. */
function executorProblem(kind: string, x: unknown): string | undefined {
  if (x === undefined) return undefined;
  if (!isStr(x)) return `${kind}: \`executor\` must be a string`;
  const spec = parseExecutor(x);
  return typeof spec === 'string' ? `${kind}: ${spec}` : undefined;
}

/** What is wrong with a worker command, or undefined. */
function workerProblem(x: Record<string, unknown>): string | undefined {
  if (!isStr(x.queue)) return 'worker needs a `queue` string (redis://HOST:PORT)';
  const spec = parseExecutor(x.queue);
  if (typeof spec === 'string') return `worker: ${spec}`;
  if (spec.kind !== 'queue') return 'worker: `queue` must be a Redis URL (redis://HOST:PORT)';
  if (
    x.runs !== undefined &&
    (!Array.isArray(x.runs) ||
      x.runs.length === 0 ||
      !x.runs.every((r) => isStr(r) && r.startsWith('/')))
  )
    return 'worker: `runs` must be a list of absolute folders';
  if (x.name !== undefined && (!isStr(x.name) || !/^[\w.:@-]{1,64}$/.test(x.name)))
    return 'worker: `name` must be 1–64 letters, digits or . : @ - _';
  if (
    x.threads !== undefined &&
    (!isNum(x.threads) || !Number.isInteger(x.threads) || x.threads < 1)
  )
    return 'worker: `threads` must be a whole number ≥ 1';
  if (x.backend !== undefined && !isStr(x.backend)) return 'worker: `backend` must be a string';
  return undefined;
}

/** Checks a command on arrival; returns an error message, or undefined when valid. */
export function checkCommand(x: unknown): string | undefined {
  if (!isObj(x) || !isStr(x.type)) return 'a command must be an object with a string `type`';
  switch (x.type) {
    case 'start':
      if (!isStr(x.configPath) || !isStr(x.runsDir))
        return 'start needs `configPath` and `runsDir` strings';
      if (x.steps !== undefined && (!isNum(x.steps) || x.steps < 1))
        return 'start: `steps` must be a positive number';
      if (x.resume !== undefined && !isStr(x.resume)) return 'start: `resume` must be a run id';
      if (x.backend !== undefined && !isStr(x.backend)) return 'start: `backend` must be a string';
      return undefined;
    case 'search':
      if (!isStr(x.run) || !isStr(x.runsDir)) return 'search needs `run` and `runsDir` strings';
      if (x.algorithm !== undefined && x.algorithm !== 'nsga2' && x.algorithm !== 'random')
        return "search: `algorithm` must be 'nsga2' or 'random'";
      for (const k of ['budget', 'population', 'generations'] as const)
        if (x[k] !== undefined && (!isNum(x[k]) || !Number.isInteger(x[k]) || x[k] < 1))
          return `search: \`${k}\` must be a positive whole number`;
      if (x.seed !== undefined && (!isNum(x.seed) || x.seed < 0))
        return 'search: `seed` must be a number ≥ 0';
      return executorProblem('search', x.executor);
    case 'export':
      if (!isStr(x.run) || !isStr(x.runsDir)) return 'export needs `run` and `runsDir` strings';
      if ((x.key === undefined) === (x.bestUnder === undefined))
        return 'export needs exactly one of `key` and `bestUnder`';
      if (x.key !== undefined && !isStr(x.key)) return 'export: `key` must be a string';
      if (x.bestUnder !== undefined && (!Array.isArray(x.bestUnder) || !x.bestUnder.every(isStr)))
        return 'export: `bestUnder` must be a list of constraint strings';
      if (x.file !== undefined && !isStr(x.file)) return 'export: `file` must be a string';
      if (x.force !== undefined && typeof x.force !== 'boolean')
        return 'export: `force` must be true or false';
      if (x.finetuned !== undefined && typeof x.finetuned !== 'boolean')
        return 'export: `finetuned` must be true or false';
      if (x.precision !== undefined && !EXPORT_PRECISIONS.includes(x.precision as ExportPrecision))
        return `export: \`precision\` must be one of ${EXPORT_PRECISIONS.join(', ')}`;
      if (
        x.calibration !== undefined &&
        !CALIBRATION_METHODS.includes(x.calibration as CalibrationMethod)
      )
        return `export: \`calibration\` must be one of ${CALIBRATION_METHODS.join(', ')}`;
      if (x.maxInt8DropPoints !== undefined && !isNum(x.maxInt8DropPoints))
        return 'export: `maxInt8DropPoints` must be a number';
      if (
        x.precision !== 'int8' &&
        (x.calibration !== undefined || x.maxInt8DropPoints !== undefined)
      )
        return 'export: `calibration` and `maxInt8DropPoints` need `precision` int8';
      return undefined;
    case 'finetune':
      if (!isStr(x.run) || !isStr(x.runsDir) || !isStr(x.key))
        return 'finetune needs `run`, `runsDir` and `key` strings';
      if (x.epochs !== undefined && (!isNum(x.epochs) || x.epochs <= 0 || x.epochs > 1000))
        return 'finetune: `epochs` must be a positive number (at most 1000)';
      if (x.lr !== undefined && (!isNum(x.lr) || x.lr <= 0 || x.lr > 10))
        return 'finetune: `lr` must be a positive number (at most 10)';
      if (x.distillation !== undefined && typeof x.distillation !== 'boolean')
        return 'finetune: `distillation` must be true or false';
      return undefined;
    case 'rank':
      if (!isStr(x.run) || !isStr(x.runsDir)) return 'rank needs `run` and `runsDir` strings';
      if (
        x.subnets !== undefined &&
        (!isNum(x.subnets) || !Number.isInteger(x.subnets) || x.subnets < 2)
      )
        return 'rank: `subnets` must be a whole number ≥ 2';
      if (x.epochs !== undefined && (!isNum(x.epochs) || x.epochs <= 0))
        return 'rank: `epochs` must be a positive number';
      if (x.seed !== undefined && (!isNum(x.seed) || x.seed < 0))
        return 'rank: `seed` must be a number ≥ 0';
      return executorProblem('rank', x.executor);
    case 'worker':
      return workerProblem(x);
    case 'probe':
      if (x.backend !== undefined && !isStr(x.backend)) return 'probe: `backend` must be a string';
      return undefined;
    case 'cancel':
    case 'status':
      return undefined;
    default:
      return `unknown command type '${x.type}'`;
  }
}

/** Checks an event read from a file or a pipe: the fields every reader relies on. */
export function isEngineEvent(x: unknown): x is EngineEvent {
  if (!isObj(x) || !isStr(x.type) || !isNum(x.time)) return false;
  switch (x.type) {
    case 'step':
      return isNum(x.step) && isNum(x.lr) && Array.isArray(x.losses) && isObj(x.gradVariance);
    case 'epoch':
      return isNum(x.epoch) && isObj(x.largest) && isObj(x.smallest);
    case 'run-start':
      return isStr(x.runId) && isNum(x.totalSteps);
    case 'run-end':
      return isStr(x.status) && isNum(x.step);
    case 'checkpoint':
      return isNum(x.step) && isStr(x.file);
    case 'sampler':
      return isNum(x.step) && isObj(x.probabilities);
    case 'log':
      return isStr(x.level) && isStr(x.message);
    case 'status':
      return isStr(x.state);
    case 'search-start':
      return isStr(x.runId) && isStr(x.algorithm) && isNum(x.budget);
    case 'generation':
      return isNum(x.generation) && isNum(x.hypervolume) && Array.isArray(x.front);
    case 'candidate':
      return isNum(x.generation) && isObj(x.candidate) && isStr(x.candidate.key);
    case 'export':
      return isStr(x.key) && isStr(x.file) && isNum(x.maxAbsDiff);
    case 'search-end':
      return isStr(x.status) && isNum(x.evaluations) && Array.isArray(x.front);
    case 'probe':
      return isStr(x.backend) && Array.isArray(x.skipped);
    case 'ranking':
      return isNum(x.epoch) && isStr(x.table) && isNum(x.kendallTau) && Array.isArray(x.points);
    case 'stability':
      return (
        isNum(x.epoch) &&
        isNum(x.probe) &&
        (x.kendallTau === null || isNum(x.kendallTau)) &&
        typeof x.settled === 'boolean'
      );
    case 'rank-start':
      return isStr(x.runId) && isNum(x.subnets) && isNum(x.epochs);
    case 'rank-progress':
      return isNum(x.subnet) && isNum(x.step) && isNum(x.steps) && isStr(x.key);
    case 'ranked':
      return isObj(x.subnet) && isStr(x.subnet.key);
    case 'rank-end':
      return isStr(x.status);
    case 'executor':
      return isStr(x.executor) && Array.isArray(x.workers) && isNum(x.queued) && isNum(x.done);
    case 'worker':
      return isStr(x.state) && isObj(x.worker) && isStr(x.worker.id);
    case 'finetune-start':
      return isStr(x.runId) && isStr(x.key) && isNum(x.totalSteps) && isObj(x.inherited);
    case 'finetune-step':
      return isStr(x.key) && isNum(x.step) && isNum(x.loss) && isNum(x.lr);
    case 'finetune-epoch':
      return isStr(x.key) && isNum(x.epoch) && isNum(x.step) && isNum(x.accuracy);
    case 'finetune-end':
      return isStr(x.key) && isStr(x.status) && isNum(x.step);
    default:
      return false;
  }
}

/** An engine event, or undefined: the check `parseJsonLines` reads event logs with. */
export const parseEngineEvent = (x: unknown): EngineEvent | undefined =>
  isEngineEvent(x) ? x : undefined;
