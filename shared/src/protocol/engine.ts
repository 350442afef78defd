import { parseExecutor, type WorkerInfo } from '../executor';
import type { Objective } from '../metrics';
import type { MacsRegion } from '../ranking';
import type { CandidateFigures, FinetuneResult, RankedSubnet } from '../runFolder/records';
import {
  bool,
  int,
  list,
  literal,
  num,
  obj,
  oneOf,
  optional,
  str,
  union,
  type Fields,
  type Infer,
} from '../schema/dsl';
import { isRecord, problemOf } from '../schema/validate';

/**
 * Messages between the engine process and whoever drives it (the CLI or the language
 * server, through one EngineProcess). Engine → driver: `EngineEvent`s, one JSON object a
 * line in the run folder's logs and over IPC. Driver → engine: `EngineCommand`s over IPC,
 * described in the schema language (types inferred, every field checked by `checkCommand`).
 * The events are still typed by hand and checked for the fields readers rely on; their
 * readers tolerate a null figure (NaN in JSON) field by field, which a whole-event schema
 * check would have to keep (#28, item 1, next).
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

const calibration = oneOf('How activation ranges are calibrated.', {
  minmax: 'Their whole range.',
  percentile: 'The range without the 0.01% tails at either end.',
} satisfies Record<CalibrationMethod, string>);
/** An export's precision, as the engine command and the editor's request name it. */
export const precisionSchema = oneOf('What the model computes in.', {
  float32: 'float32 (the default).',
  int8: 'int8: static post-training quantisation, a QDQ graph.',
} satisfies Record<ExportPrecision, string>);

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

const command = <T extends string, F extends Fields>(type: T, doc: string, fields: F) =>
  obj(doc, { type: literal(doc, type), ...fields });
const positiveWhole = (doc: string) => int(doc, { minimum: 1 });
const runOf = {
  run: str('A run id, a run folder, or (search) a config file (then its newest trained run).'),
  runsDir: str('Folder holding the runs (`.supernet/runs`).'),
};
const executor = optional(
  str(
    '`local` (default) or `redis://HOST:PORT`: where the subnets are evaluated or trained alone.',
  ),
);

/** Every command a driver sends, by `type`. */
export const engineCommandSchema = union('A command to the engine.', 'type', {
  start: command('start', 'Start a new run of a config, or resume one.', {
    configPath: str('The config.'),
    runsDir: str('Folder holding the runs (`.supernet/runs`).'),
    steps: optional(
      num("Stop after this many steps in total (overrides the config's length).", { minimum: 1 }),
    ),
    resume: optional(str('Resume this run id instead of starting a new one.')),
    backend: optional(str('Backend override (`auto`, `wasm`, …).')),
  }),
  cancel: command('cancel', 'Stop within one step, writing a checkpoint.', {}),
  status: command('status', 'Report state with a `status` event.', {}),
  search: command(
    'search',
    'Search a trained run (events go to `<run>/search-events.jsonl` too).',
    {
      ...runOf,
      algorithm: optional(oneOf('The algorithm.', { nsga2: 'NSGA-II.', random: 'Random search.' })),
      budget: optional(
        positiveWhole('Most subnets to evaluate (default population × generations).'),
      ),
      seed: optional(num('The seed.', { minimum: 0 })),
      population: optional(positiveWhole('Population size.')),
      generations: optional(positiveWhole('Generations.')),
      executor,
    },
  ),
  export: command('export', 'Export one subnet of a trained run as ONNX and verify it.', {
    ...runOf,
    key: optional(
      str("The subnet's arch key; or `bestUnder` picks the most accurate candidate meeting them."),
    ),
    bestUnder: optional(
      list('Constraints such as `flops <= 300k`, applied to candidates.jsonl.', str('One.')),
    ),
    file: optional(str('Output file (default `<run>/exports/<key>.onnx`).')),
    force: optional(
      bool('Replace an existing file that is not an earlier export (never a run’s state files).'),
    ),
    precision: optional(precisionSchema),
    calibration: optional(calibration),
    maxInt8DropPoints: optional(
      num(
        'int8 only: a drop in validation accuracy, in points, above which the export warns (any number; a negative one makes every export warn).',
      ),
    ),
    finetuned: optional(
      bool("Export the weights of the subnet's completed fine-tune, not the inherited ones."),
    ),
  }),
  finetune: command(
    'finetune',
    'Fine-tune one subnet of a trained run from its inherited weights (events also go to `<run>/finetune/<key>/events.jsonl`).',
    {
      ...runOf,
      key: str("The subnet's arch key."),
      epochs: optional(
        num('Epochs (fractions allowed; default FINETUNE_DEFAULTS.epochs).', {
          exclusiveMinimum: 0,
          maximum: 1000,
        }),
      ),
      lr: optional(
        num('Peak learning rate of the cosine schedule (default FINETUNE_DEFAULTS.lr).', {
          exclusiveMinimum: 0,
          maximum: 10,
        }),
      ),
      distillation: optional(
        bool(
          "Knowledge distillation from the supernet's largest subnet (default FINETUNE_DEFAULTS.distillation).",
        ),
      ),
    },
  ),
  probe: command(
    'probe',
    'Report the backend training would use (`supernet version`), then exit.',
    {
      backend: optional(str('Backend override.')),
    },
  ),
  rank: command('rank', "Train K subnets alone and compare their ranking with the supernet's.", {
    ...runOf,
    subnets: optional(int('Subnets to train alone (default 8).', { minimum: 2 })),
    epochs: optional(
      num('Epochs of each stand-alone training (default 1).', { exclusiveMinimum: 0 }),
    ),
    seed: optional(num('The seed.', { minimum: 0 })),
    executor,
  }),
  worker: command('worker', 'Become a queue worker (`supernet worker`) until cancelled.', {
    queue: str("The queue's Redis URL."),
    name: optional(
      str(
        "The worker's name in the registry and in candidates.jsonl (default `host:pid`): 1–64 letters, digits or . : @ - _.",
        {
          pattern: /^[\w.:@-]{1,64}$/,
        },
      ),
    ),
    threads: optional(
      positiveWhole('Threads each evaluation uses (default: the machine’s cores).'),
    ),
    backend: optional(str('Backend override for stand-alone training.')),
    runs: optional(
      list(
        'The folders whose runs it serves (absolute): a job naming a run folder anywhere else is refused before anything of it is read. Default: the working folder’s .supernet/runs.',
        str('An absolute folder.', { pattern: /^\// }),
        { minItems: 1 },
      ),
    ),
  }),
});

export type EngineCommand = Infer<typeof engineCommandSchema>;
type CommandOf<T extends EngineCommand['type']> = Extract<EngineCommand, { type: T }>;
export type StartCommand = CommandOf<'start'>;
export type CancelCommand = CommandOf<'cancel'>;
export type StatusCommand = CommandOf<'status'>;
export type SearchCommand = CommandOf<'search'>;
export type ExportCommand = CommandOf<'export'>;
export type FinetuneCommand = CommandOf<'finetune'>;
export type ProbeCommand = CommandOf<'probe'>;
export type RankCommand = CommandOf<'rank'>;
export type WorkerCommand = CommandOf<'worker'>;

/** Why an `executor` or `queue` URL is not one, or undefined. */
function urlProblem(
  kind: string,
  field: string,
  x: string | undefined,
  queueOnly: boolean,
): string | undefined {
  if (x === undefined) return undefined;
  const spec = parseExecutor(x);
  if (typeof spec === 'string') return `${kind}: ${spec}`;
  if (queueOnly && spec.kind !== 'queue')
    return `${kind}: \`${field}\` must be a Redis URL (redis://HOST:PORT)`;
  return undefined;
}

/**
 * Checks a command on arrival; returns an error message, or undefined when valid: every field
 * against the schema, then what one field says of another.
 */
export function checkCommand(x: unknown): string | undefined {
  const variants = engineCommandSchema.variants as Record<string, unknown>;
  const kind =
    isRecord(x) && typeof x.type === 'string' && Object.hasOwn(variants, x.type)
      ? x.type
      : 'command';
  const problem = problemOf(engineCommandSchema, x, kind);
  if (problem) return problem;
  const c = x as EngineCommand;
  switch (c.type) {
    case 'search':
    case 'rank':
      return urlProblem(c.type, 'executor', c.executor, false);
    case 'worker':
      return urlProblem('worker', 'queue', c.queue, true);
    case 'export':
      if ((c.key === undefined) === (c.bestUnder === undefined))
        return 'export needs exactly one of `key` and `bestUnder`';
      if (
        c.precision !== 'int8' &&
        (c.calibration !== undefined || c.maxInt8DropPoints !== undefined)
      )
        return 'export: `calibration` and `maxInt8DropPoints` need `precision` int8';
      return undefined;
    default:
      return undefined;
  }
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStr = (x: unknown): x is string => typeof x === 'string';

/** Checks an event read from a file or a pipe: the fields every reader relies on. */
export function isEngineEvent(x: unknown): x is EngineEvent {
  if (!isRecord(x) || !isStr(x.type) || !isNum(x.time)) return false;
  switch (x.type) {
    case 'step':
      return isNum(x.step) && isNum(x.lr) && Array.isArray(x.losses) && isRecord(x.gradVariance);
    case 'epoch':
      return isNum(x.epoch) && isRecord(x.largest) && isRecord(x.smallest);
    case 'run-start':
      return isStr(x.runId) && isNum(x.totalSteps);
    case 'run-end':
      return isStr(x.status) && isNum(x.step);
    case 'checkpoint':
      return isNum(x.step) && isStr(x.file);
    case 'sampler':
      return isNum(x.step) && isRecord(x.probabilities);
    case 'log':
      return isStr(x.level) && isStr(x.message);
    case 'status':
      return isStr(x.state);
    case 'search-start':
      return isStr(x.runId) && isStr(x.algorithm) && isNum(x.budget);
    case 'generation':
      return isNum(x.generation) && isNum(x.hypervolume) && Array.isArray(x.front);
    case 'candidate':
      return isNum(x.generation) && isRecord(x.candidate) && isStr(x.candidate.key);
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
      return isRecord(x.subnet) && isStr(x.subnet.key);
    case 'rank-end':
      return isStr(x.status);
    case 'executor':
      return isStr(x.executor) && Array.isArray(x.workers) && isNum(x.queued) && isNum(x.done);
    case 'worker':
      return isStr(x.state) && isRecord(x.worker) && isStr(x.worker.id);
    case 'finetune-start':
      return isStr(x.runId) && isStr(x.key) && isNum(x.totalSteps) && isRecord(x.inherited);
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
