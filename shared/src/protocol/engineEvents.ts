import { profileQualitySchema } from '../deviceProfile';
import { workerInfoSchema } from '../executor';
import { objectiveSchema } from '../metrics';
import { baselineFields, interval } from '../ranking';
import {
  candidateFiguresSchema,
  finetuneResultSchema,
  predictorFitSchema,
  rankedSubnetSchema,
} from '../runFolder/records';
import {
  bool,
  figure,
  list,
  literal,
  nullableNum,
  num,
  obj,
  oneOf,
  optional,
  record,
  str,
  union,
  type Fields,
  type Infer,
} from '../schema/dsl';
import { problemOf, reviveFigures } from '../schema/validate';
import { calibrationSchema, precisionSchema } from '../exportPrecision';

/**
 * Engine → driver: the events, one JSON object a line in the run folder's logs and over
 * IPC, described in the schema language: their types are inferred from it and every field of
 * every event read from a file or a pipe is checked against it (`parseEngineEvent`). Fields
 * added after release 0.1.0 are optional, so the logs of older runs still read
 * (test/fixtures/runs-0.1.0). A measured figure may be NaN, which JSON writes as null: it
 * reads back as NaN (`figure`).
 */

const event = <T extends string, F extends Fields>(type: T, doc: string, fields: F) =>
  obj(doc, {
    type: literal(doc, type),
    time: num('When it happened, in ms since the epoch.'),
    ...fields,
  });
const count = (doc: string) => num(doc, { minimum: 0 });
const ended = oneOf('How it ended.', {
  completed: 'It did all it was asked.',
  cancelled: 'The user stopped it; it can be resumed where that applies.',
  failed: 'An error ended it (see `message`).',
});
/** The role of a subnet in a training step: the sandwich rule's ends, or one drawn. */
export const subnetRoleSchema = oneOf('Which subnet of the step.', {
  largest: 'The largest subnet (the distillation teacher).',
  smallest: 'The smallest subnet.',
  random: 'One the sampler drew.',
});
export type SubnetRole = Infer<typeof subnetRoleSchema>;

export const runStartEventSchema = event('run-start', 'The run started (or resumed).', {
  runId: str('The run id.'),
  runDir: str('The run folder.'),
  configPath: str('The config.'),
  backend: str('The backend it trains on: a tfjs backend, or `pytorch`.'),
  compute: optional(
    obj('The pytorch backend’s compute process, as it reported itself.', {
      torch: str('The torch version.'),
      python: str('The Python version.'),
      device: oneOf('Where the steps ran.', { cpu: 'The CPU.', cuda: 'CUDA.' }),
      deviceName: str('The GPU’s name, or `cpu`.'),
      processes: count('Processes in all (every node’s).'),
      nodes: count('Machines.'),
      threadsPerProcess: count('Threads each process computes with.'),
    }),
  ),
  threads: optional(
    count(
      'Threads a training step uses (subnet-parallel steps); absent in runs before it was recorded.',
    ),
  ),
  fellBackFrom: list(
    'Backends tried before the one used, with the reason each was skipped.',
    str('One, with its reason.'),
  ),
  dataset: obj('The data it trains on.', {
    name: str('Its name.'),
    source: str('Where it came from.'),
    folder: str('Its folder.'),
    train: count('Training images.'),
    validation: count('Validation images.'),
  }),
  totalSteps: count('Steps it trains for.'),
  stepsPerEpoch: count('Steps of one epoch.'),
  batchSize: count('Images per step.'),
  supernetParams: count('Parameters of the supernet.'),
  resumedFromStep: optional(count('The checkpoint step a resume started from.')),
  seed: num('The seed.'),
});

/**
 * `gradVariance.total`: the mean over every shared weight element θ of the variance,
 * across the n subnets trained in the step, of each subnet's gradient ∂L_i/∂θ
 * (a subnet that does not use θ contributes 0): (1/P) Σ_θ [ (1/n) Σ_i g_iθ² − ((1/n) Σ_i g_iθ)² ].
 * `gradVariance.stages[s]`: the same mean over the weights of stage s only. 0 when n = 1.
 */
export const stepEventSchema = event('step', 'One training step.', {
  step: count('The step, from 1.'),
  epoch: figure('The epoch the step falls in (fractional).'),
  lr: figure('The learning rate of the step.'),
  losses: list(
    'Cross-entropy against the labels of each trained subnet, in training order.',
    obj('One subnet’s loss.', {
      role: subnetRoleSchema,
      loss: figure('Its cross-entropy.'),
      flops: figure('Its MACs of one image.'),
    }),
  ),
  distillLoss: optional(
    figure('Mean KL(teacher ‖ student) over the distilled subnets; absent without distillation.'),
  ),
  imagesPerSec: figure('Training throughput of the step.'),
  gradVariance: obj('Variance of the subnets’ gradients on the shared weights.', {
    total: figure('Over every shared weight.'),
    stages: list('Per stage.', figure('One stage.')),
  }),
});

const subnetAccuracy = (doc: string) =>
  obj(doc, {
    accuracy: figure('Validation accuracy (0–1).'),
    loss: figure('Validation loss.'),
    flops: figure('MACs of one image.'),
  });
export const epochEventSchema = event(
  'epoch',
  'Validation accuracy at the end of an epoch (after BN recalibration).',
  {
    epoch: count('The epoch, from 1.'),
    step: count('The step it ended at.'),
    largest: subnetAccuracy('The largest subnet.'),
    smallest: subnetAccuracy('The smallest subnet.'),
    seconds: figure('Seconds of the epoch.'),
  },
);

export const samplerEventSchema = event(
  'sampler',
  "The sampler's current probabilities (importance sampling).",
  {
    step: count('The step.'),
    probabilities: record(
      'Per decision, the probability of each of its choices.',
      list('One decision.', figure('One choice.')),
    ),
  },
);

export const checkpointEventSchema = event('checkpoint', 'A checkpoint was written.', {
  step: count('Its step.'),
  file: str('Its file.'),
  bytes: count('Its size.'),
});

export const logEventSchema = event('log', 'A human-readable line for the log.', {
  level: oneOf('How much it matters.', {
    info: 'For information.',
    warning: 'Something the user should look at.',
    error: 'Something failed.',
  }),
  message: str('The line.'),
});

export const runEndEventSchema = event('run-end', 'The run ended.', {
  status: ended,
  step: count('The last step done.'),
  message: optional(str('Why, when it failed.')),
  seconds: figure('Seconds it ran.'),
});

export const statusEventSchema = event('status', 'The answer to `status`.', {
  state: oneOf('What the engine does.', {
    idle: 'Nothing.',
    running: 'A job.',
    stopping: 'Stopping its job.',
  }),
  runId: optional(str('The run it works on.')),
  step: optional(count('The step it is at.')),
  totalSteps: optional(count('Steps in all.')),
});

export const candidateEventSchema = event(
  'candidate',
  'One subnet was evaluated (or taken from candidates.jsonl).',
  {
    generation: count('In which generation.'),
    candidate: candidateFiguresSchema,
    cached: bool('True when the figures came from candidates.jsonl rather than a new evaluation.'),
  },
);

const algorithm = oneOf('The search algorithm.', { nsga2: 'NSGA-II.', random: 'Random search.' });
export const searchStartEventSchema = event('search-start', 'A search started on a trained run.', {
  runId: str('The run.'),
  algorithm,
  objectives: list('What it optimises.', objectiveSchema),
  constraints: list('The constraints, as written.', str('One.')),
  budget: count('Most subnets it evaluates.'),
  seed: num('The seed.'),
  cached: count('Evaluations already in candidates.jsonl that the search reuses.'),
  latencySources: optional(
    list(
      "Where each latency comes from: `latency@pi5 timed on pi5's worker at redis://…`, `latency@pi5 from its table`, `latency on this machine`.",
      str('One.'),
    ),
  ),
  predictor: optional(
    oneOf('Whether offspring are screened by an accuracy predictor.', {
      none: 'Plain NSGA-II.',
      linas: 'Predictor-assisted NSGA-II (LINAS).',
    }),
  ),
});

const front = list('The feasible non-dominated subnets.', candidateFiguresSchema);
export const generationEventSchema = event(
  'generation',
  'One generation (or one batch of random search) is done.',
  {
    generation: count('The generation.'),
    evaluations: count('Subnets evaluated so far.'),
    hypervolume: figure("Hypervolume of the feasible front against the search's reference point."),
    referencePoint: list(
      'The reference point, in minimised objectives (accuracy as −accuracy).',
      figure('One objective.'),
    ),
    front,
    evaluationsPerSec: figure('Evaluations per second so far.'),
    predictor: optional(predictorFitSchema),
  },
);

export const searchEndEventSchema = event('search-end', 'The search ended.', {
  status: ended,
  evaluations: count('Subnets evaluated.'),
  hypervolume: figure('Hypervolume of the final front.'),
  front: { ...front, doc: 'The final front: what pareto.json holds.' },
  seconds: figure('Seconds it ran.'),
  paretoFile: optional(str('pareto.json of this search, when it was written.')),
  message: optional(str('Why, when it failed.')),
});

export const profileEndEventSchema = event(
  'profile-end',
  'A device latency table was written (`supernet profile`).',
  {
    status: ended,
    device: str('The device.'),
    file: optional(str('The table written (`.supernet/devices/NAME.json`).')),
    where: str('Where it was timed: a device queue, or this process.'),
    units: count('Distinct units of the space timed.'),
    overheadMs: figure('The fitted overhead of a whole model, ms.'),
    quality: optional(profileQualitySchema),
    seconds: figure('Seconds it took.'),
    message: optional(str('Why, when it failed.')),
  },
);

export {
  CALIBRATION_METHODS,
  calibrationSchema,
  EXPORT_PRECISIONS,
  precisionSchema,
  type CalibrationMethod,
  type ExportPrecision,
} from '../exportPrecision';

const batchLatencies = (doc: string) =>
  obj(doc, {
    batch1Ms: figure('Median ms of a batch of 1.'),
    batch32Ms: figure('Median ms of a batch of 32.'),
  });
export type BatchLatencies = Infer<ReturnType<typeof batchLatencies>>;

export const int8FiguresSchema = obj(
  'An int8 export measured against its float32 model in onnxruntime-node.',
  {
    calibration: calibrationSchema,
    calibrationImages: count('Training images the activation ranges were calibrated on.'),
    floatAccuracy: figure('Validation accuracy of the float32 model.'),
    int8Accuracy: figure('Validation accuracy of the int8 model.'),
    accuracyDropPoints: figure('100 · (floatAccuracy − int8Accuracy): points lost to int8.'),
    maxAbsDiff: figure('Largest |int8 logit − float32 logit| over the validation images.'),
    agreement: figure('Share of validation images whose predicted class is the same in both.'),
    floatBytes: count("Size of the float32 model file, for the ratio to the int8 one's `bytes`."),
    latency: obj('Median latencies in onnxruntime-node on one thread.', {
      float32: batchLatencies('Of the float32 model.'),
      int8: batchLatencies('Of the int8 model.'),
    }),
    kernels: record(
      'The kernels onnxruntime ran the int8 model with, nodes by op type, from its profile of one run: QLinearConv, QLinearAdd, QGemm… where its QDQ fusions applied; Conv with QuantizeLinear/DequantizeLinear where they did not (a float fallback).',
      count('Nodes of that op type.'),
    ),
  },
);
export type Int8Figures = Infer<typeof int8FiguresSchema>;

export const exportEventSchema = event(
  'export',
  'A subnet was exported and verified against the supernet.',
  {
    key: str("The subnet's arch key."),
    file: str('The ONNX file.'),
    sidecarFile: str('Its sidecar (.json beside it).'),
    bytes: count('Size of the file.'),
    maxAbsDiff: figure(
      "Largest |ONNX logit − supernet logit| over the validation images, of the float32 graph (an int8 model's own difference to that graph is in `int8`).",
    ),
    onnxAccuracy: figure('Accuracy of the written model on the validation split.'),
    accuracyKind: optional(
      oneOf('Which weights were exported, so which kind of accuracy `onnxAccuracy` is.', {
        inherited: "The supernet's, batch norm recalibrated (and in events of older versions).",
        finetuned: 'After `supernet finetune`.',
      }),
    ),
    recordedAccuracy: optional(
      figure(
        "The accuracy recorded for these weights (candidates.jsonl, or the fine-tune's result), when there is one.",
      ),
    ),
    latencyMs: figure('Median batch-1 latency of the written model, one thread.'),
    precision: optional({
      ...precisionSchema,
      doc: 'What it computes in; absent in exports from before int8 existed: float32.',
    }),
    int8: optional({
      ...int8FiguresSchema,
      doc: "The int8 export's figures, when precision is int8.",
    }),
  },
);

const figures = (doc: string) =>
  obj(doc, { accuracy: figure('Validation accuracy (0–1).'), loss: figure('Validation loss.') });
export const finetuneStartEventSchema = event(
  'finetune-start',
  "A fine-tune of one subnet started (or resumed). The subnet's weights are its slice of the supernet's, batch norm recalibrated.",
  {
    runId: str('The run.'),
    key: str("The subnet's arch key."),
    dir: str("The folder of this subnet's fine-tune (`<run>/finetune/<key>/`)."),
    epochs: figure('Epochs it trains for.'),
    totalSteps: count('Steps it trains for.'),
    stepsPerEpoch: count('Steps of one epoch.'),
    batchSize: count('Images per step.'),
    lr: figure('Peak learning rate.'),
    teacher: optional(
      str(
        "The frozen teacher's arch key (the supernet's largest subnet); absent without distillation.",
      ),
    ),
    sourceStep: count("The run checkpoint's step the weights came from."),
    inherited: figures('The inherited weights’ accuracy.'),
    backend: str('The tfjs backend.'),
    threads: count('Threads it uses.'),
    resumedFromStep: optional(count('The step a resume started from.')),
  },
);

export const finetuneStepEventSchema = event('finetune-step', 'One step of a fine-tune.', {
  key: str("The subnet's arch key."),
  step: count('The step, from 1.'),
  epoch: figure('The epoch the step falls in (fractional).'),
  lr: figure('The learning rate of the step.'),
  loss: figure('Cross-entropy against the labels.'),
  distillLoss: optional(figure('KL(teacher ‖ subnet); absent without distillation.')),
  imagesPerSec: figure('Training throughput of the step.'),
});

export const finetuneEpochEventSchema = event(
  'finetune-epoch',
  "The fine-tuned subnet's validation accuracy at the end of an epoch (batch norm recalibrated).",
  {
    key: str("The subnet's arch key."),
    epoch: figure('The epoch.'),
    step: count('The step it ended at.'),
    accuracy: figure('Validation accuracy (0–1).'),
    loss: figure('Validation loss.'),
    seconds: figure('Seconds of the epoch.'),
  },
);

export const finetuneEndEventSchema = event(
  'finetune-end',
  'The fine-tune ended; when completed, `result` is what `result.json` holds.',
  {
    key: str("The subnet's arch key."),
    status: ended,
    step: count('The last step done.'),
    result: optional(finetuneResultSchema),
    message: optional(str('Why, when it failed.')),
    seconds: figure('Seconds it ran.'),
  },
);

/** One subnet of a per-epoch ranking: its accuracy in the supernet and trained alone. */
export const rankingPointSchema = obj('One subnet of a per-epoch ranking.', {
  key: str("The subnet's arch key."),
  flops: figure('MACs of one image.'),
  supernetAccuracy: figure('Inherited accuracy.'),
  standaloneAccuracy: figure("From the benchmark's ground-truth table (the mean over its seeds)."),
  proxies: optional(
    record(
      'Its zero-cost proxies at initialisation, by name (absent in older runs).',
      figure('One proxy.'),
    ),
  ),
});
export type RankingPoint = Infer<typeof rankingPointSchema>;

export const rankingEventSchema = event(
  'ranking',
  'How the supernet ranks subnets at the end of an epoch, against the shipped ground-truth table of its space (only runs on a benchmark space emit it).',
  {
    epoch: count('The epoch.'),
    step: count('The step it ended at.'),
    table: str("The ground-truth table's name."),
    subnets: count('Subnets of the table.'),
    kendallTau: figure('τ-b of inherited against stand-alone accuracy.'),
    kendallTauInterval: interval('Its 95% bootstrap interval.'),
    spearmanRho: figure('Spearman’s ρ.'),
    flopsKendallTau: figure('τ-b of MACs alone.'),
    partialKendallTau: figure('τ of the supernet given MACs.'),
    partialKendallTauInterval: optional(
      interval('95% paired bootstrap interval of partial τ given MACs (absent in older runs).'),
    ),
    flopsAdvantageInterval: optional(
      interval(
        '95% paired bootstrap interval of τ − MACs τ over the same resampled subnets (absent in older runs): above 0, the supernet ranks better than counting MACs.',
      ),
    ),
    noiseCeiling: figure(
      "The τ a perfect predictor reaches against the table's truth (the mean of its seeds). Events without `seedAgreement` are older: theirs is τ between two seeds.",
    ),
    seedAgreement: optional(
      figure('τ between two stand-alone seeds of the table (absent in older runs).'),
    ),
    ...baselineFields,
    topEnd: optional(
      obj(
        'Quality at the top, where users pick (absent in older runs): see engine/ranking/topEnd.ts.',
        {
          topQuarterTau: figure('τ within the best quarter by stand-alone accuracy.'),
          precisionAtK: obj('Of the true best k, the share among the supernet’s best k.', {
            k: count('k.'),
            precision: figure('The share.'),
          }),
          regrets: list(
            'The regret of the pick at each MACs budget.',
            obj('One budget.', {
              macs: figure('The budget.'),
              candidates: count('Subnets within it.'),
              picked: figure('Stand-alone accuracy of the supernet’s pick.'),
              best: figure('The best stand-alone accuracy within it.'),
              regret: figure('best − picked.'),
            }),
          ),
          frontShare: figure(
            "Share of the true front's hypervolume that the front by inherited accuracy reaches.",
          ),
        },
      ),
    ),
    topK: obj("Of the table's best k subnets, the share among the supernet's best k.", {
      k: count('k.'),
      overlap: figure('The share.'),
    }),
    bestPick: optional(
      obj("The supernet's best pick under the MACs limit, against the table's best under it.", {
        flopsLimit: figure('The MACs limit.'),
        pickedKey: str('The pick.'),
        picked: figure('Its stand-alone accuracy.'),
        bestKey: str('The best.'),
        best: figure('Its stand-alone accuracy.'),
        regret: figure('best − picked.'),
      }),
    ),
    points: list('The subnets.', rankingPointSchema),
    seconds: figure('Seconds the ranking took.'),
  },
);

/**
 * Whether the supernet's ranking has settled, at the end of an epoch: τ between this
 * epoch's and the previous epoch's inherited accuracies of a fixed probe set of subnets (the
 * benchmark table's on a benchmark space; else subnets spread over MACs). Settled
 * (τ ≥ STABLE_TAU) says more training will not reorder them much, not that the order is
 * right: only a ranking check says that.
 */
export const stabilityEventSchema = event(
  'stability',
  "Whether the supernet's ranking has settled, at the end of an epoch.",
  {
    epoch: count('The epoch.'),
    step: count('The step it ended at.'),
    probe: count('Subnets in the probe set.'),
    kendallTau: nullableNum('τ-b against the previous epoch; null at the first epoch.'),
    settled: bool('τ ≥ STABLE_TAU.'),
    seconds: figure('Seconds the check took.'),
  },
);

/** The epoch-to-epoch τ above which a ranking counts as settled (lab/maturity-signal.ts). */
export const STABLE_TAU = 0.85;

export const rankStartEventSchema = event(
  'rank-start',
  'A ranking check started on a trained run.',
  {
    runId: str('The run.'),
    subnets: count('Subnets it trains alone.'),
    epochs: figure('Epochs of each.'),
    seed: num('The seed.'),
  },
);

export const rankProgressEventSchema = event(
  'rank-progress',
  'Progress of the stand-alone training of one subnet of a ranking check.',
  {
    subnet: count('1-based index of the subnet being trained, of `subnets`.'),
    subnets: count('Subnets in all.'),
    key: str("The subnet's arch key."),
    step: count('The step.'),
    steps: count('Steps in all.'),
    loss: figure('The loss of the step.'),
  },
);

export const rankedEventSchema = event(
  'ranked',
  'One subnet of a ranking check is measured both ways.',
  { subnet: rankedSubnetSchema },
);

export const rankEndEventSchema = event(
  'rank-end',
  'The ranking check ended; its figures are what rank.json holds.',
  {
    status: ended,
    kendallTau: optional(figure('τ-b of inherited against stand-alone accuracy.')),
    spearmanRho: optional(figure('Spearman’s ρ.')),
    subnets: optional(count('Subnets compared, when completed.')),
    kendallTauInterval: optional(interval('Its 95% bootstrap interval.')),
    flopsKendallTau: optional(figure('τ-b of MACs alone.')),
    partialKendallTau: optional(figure('τ of the supernet given MACs.')),
    ...baselineFields,
    rankFile: optional(str('rank.json, when written.')),
    message: optional(str('Why, when it failed.')),
    seconds: figure('Seconds it ran.'),
  },
);

export const probeEventSchema = event('probe', 'The answer to `probe`.', {
  backend: str('The tfjs backend that started.'),
  package: str('Its package.'),
  skipped: list(
    'Packages tried before it, each with why it was skipped.',
    obj('One.', { package: str('The package.'), reason: str('Why.') }),
  ),
  node: str('The Node.js version.'),
  platform: str('The platform.'),
  cores: count('Cores the engine may use.'),
});

export const executorEventSchema = event(
  'executor',
  'How the tasks of a search or ranking check stand on a queue executor, about once a second.',
  {
    executor: str("The queue's URL (password hidden)."),
    workers: list('The workers connected.', workerInfoSchema),
    queued: count('Tasks of this job waiting.'),
    running: count('Tasks running.'),
    done: count('Tasks done.'),
    evaluationsPerSec: figure('Evaluations per second over the job so far.'),
    message: optional(
      str('Something the user should know: Redis unreachable, no worker of this version.'),
    ),
  },
);

export const workerEventSchema = event('worker', 'What the worker (`supernet worker`) did.', {
  state: oneOf('What happened.', {
    connected: 'It reached the queue.',
    'job-start': 'It took a task.',
    'job-end': 'It finished a task.',
    refused: 'It refused a task.',
    disconnected: 'It lost the queue.',
    stopped: 'It stopped.',
  }),
  worker: workerInfoSchema,
  job: optional(
    obj('The task: its subnets, and at its end the seconds it took and how many it computed.', {
      id: str('The task id.'),
      kind: oneOf('What it asks.', {
        evaluate: 'Inherited accuracy of subnets.',
        'train-alone': 'Stand-alone training of subnets.',
        time: 'Latency of models on a device (a device worker).',
      }),
      subnets: count('Its subnets.'),
      seconds: optional(figure('Seconds it took.')),
      computed: optional(count('Subnets computed (the rest were done before).')),
    }),
  ),
  message: optional(str('Why, when refused.')),
});

/** Every event the engine writes, by `type`. */
export const engineEventSchema = union('An engine event.', 'type', {
  'run-start': runStartEventSchema,
  step: stepEventSchema,
  epoch: epochEventSchema,
  sampler: samplerEventSchema,
  checkpoint: checkpointEventSchema,
  log: logEventSchema,
  'run-end': runEndEventSchema,
  status: statusEventSchema,
  candidate: candidateEventSchema,
  'search-start': searchStartEventSchema,
  generation: generationEventSchema,
  'search-end': searchEndEventSchema,
  'profile-end': profileEndEventSchema,
  export: exportEventSchema,
  'finetune-start': finetuneStartEventSchema,
  'finetune-step': finetuneStepEventSchema,
  'finetune-epoch': finetuneEpochEventSchema,
  'finetune-end': finetuneEndEventSchema,
  ranking: rankingEventSchema,
  stability: stabilityEventSchema,
  'rank-start': rankStartEventSchema,
  'rank-progress': rankProgressEventSchema,
  ranked: rankedEventSchema,
  'rank-end': rankEndEventSchema,
  probe: probeEventSchema,
  executor: executorEventSchema,
  worker: workerEventSchema,
});

export type EngineEvent = Infer<typeof engineEventSchema>;
type EventOf<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
export type RunStartEvent = EventOf<'run-start'>;
export type StepEvent = EventOf<'step'>;
export type EpochEvent = EventOf<'epoch'>;
export type SamplerEvent = EventOf<'sampler'>;
export type CheckpointEvent = EventOf<'checkpoint'>;
export type LogEvent = EventOf<'log'>;
export type RunEndEvent = EventOf<'run-end'>;
export type StatusEvent = EventOf<'status'>;
export type CandidateEvent = EventOf<'candidate'>;
export type SearchStartEvent = EventOf<'search-start'>;
export type GenerationEvent = EventOf<'generation'>;
export type SearchEndEvent = EventOf<'search-end'>;
export type ExportEvent = EventOf<'export'>;
export type FinetuneStartEvent = EventOf<'finetune-start'>;
export type FinetuneStepEvent = EventOf<'finetune-step'>;
export type FinetuneEpochEvent = EventOf<'finetune-epoch'>;
export type FinetuneEndEvent = EventOf<'finetune-end'>;
export type RankingEvent = EventOf<'ranking'>;
export type StabilityEvent = EventOf<'stability'>;
export type RankStartEvent = EventOf<'rank-start'>;
export type RankProgressEvent = EventOf<'rank-progress'>;
export type RankedEvent = EventOf<'ranked'>;
export type RankEndEvent = EventOf<'rank-end'>;
export type ProbeEvent = EventOf<'probe'>;
export type ExecutorEvent = EventOf<'executor'>;
export type WorkerEvent = EventOf<'worker'>;

/** What is wrong with an event, in words that name the field, or undefined. */
export function eventProblem(x: unknown): string | undefined {
  return problemOf(engineEventSchema, x, 'event');
}

/**
 * An event read from a file or a pipe, every field checked, its null figures read back as
 * NaN (in place); undefined when it is not one. Events of kinds this version does not know
 * are not events to it.
 */
export function parseEngineEvent(x: unknown): EngineEvent | undefined {
  if (eventProblem(x) !== undefined) return undefined;
  reviveFigures(engineEventSchema, x);
  return x as EngineEvent;
}
