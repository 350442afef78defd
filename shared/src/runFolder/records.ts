import { archKey, archSchema, isArch, type Arch } from '../arch';
import {
  bool,
  figure,
  int,
  list,
  literal,
  num,
  obj,
  oneOf,
  optional,
  record,
  str,
  type Infer,
} from '../schema/dsl';
import { isRecord, readTolerant, validFields } from '../schema/validate';
import { objectiveSchema } from '../metrics';
import { baselineFields, interval } from '../ranking';

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

/**
 * The run folder's format, in run.json: bumped when a file of the folder changes shape.
 * run.json without it was written by release 0.1.0, which is format 1; this version reads
 * formats up to RUN_FORMAT (test/fixtures/runs-0.1.0 must keep opening).
 */
export const RUN_FORMAT = 1;

const share = (doc: string) => num(doc, { minimum: 0, maximum: 1 });
const count = (doc: string) => num(doc, { minimum: 0 });
const text = (doc: string) => str(doc, { minLength: 1 });

/** run.json: what the run is and how far it got (rewritten atomically). */
export const runMetaSchema = obj('run.json.', {
  format: optional(int('The run folder format (RUN_FORMAT); absent: 1.', { minimum: 1 })),
  id: text('The run id, also the folder name.'),
  configPath: text('The config file the run was started from (its data paths are relative to it).'),
  created: text('When the run was first started (a resume keeps it), ISO 8601.'),
  status: oneOf('Where the run stands.', {
    running: 'A process is training it (with a live run.lock).',
    completed: 'Trained to its total steps.',
    cancelled: 'Stopped by the user; it can be resumed.',
    failed: 'Ended by an error.',
    interrupted: 'Found running with no live process holding its lock (its engine was killed).',
  }),
  backend: optional(text('The tfjs backend it trained on.')),
  step: optional(count('Steps done.')),
  totalSteps: optional(count('Steps it trains for.')),
});
export type RunMeta = Infer<typeof runMetaSchema>;

/** A subnet's latency on a named device (`latency@NAME`), and where the figure comes from. */
export const deviceLatencySchema = obj('A latency on a named device.', {
  ms: count('Median ms of one image (batch 1) on the device.'),
  spreadMs: optional(count('Interquartile range of the timed runs, in ms (timed figures).')),
  source: oneOf('Where the figure comes from.', {
    device: 'Timed whole on the device by its worker (`supernet worker --device NAME`).',
    table:
      "Predicted from the device's latency table (`supernet profile`): the device was offline.",
  }),
  worker: optional(text('The device worker that timed it.')),
});
export type DeviceLatency = Infer<typeof deviceLatencySchema>;
const deviceLatencies = () =>
  optional(record('Latency on named devices, by device name.', deviceLatencySchema));

/**
 * How well the accuracy predictor of a predictor-assisted search (LINAS) foresaw the subnets
 * a generation then evaluated: its predictions against their inherited accuracy.
 */
export const predictorFitSchema = obj("The accuracy predictor's record on one generation.", {
  tau: figure('Kendall τ between predicted and inherited accuracy over the generation’s subnets.'),
  mape: figure('Mean absolute percentage error of the predicted accuracy, %.'),
  trainedOn: count('Subnets it was fitted on.'),
});
export type PredictorFit = Infer<typeof predictorFitSchema>;

/** One evaluated subnet: a line of candidates.jsonl (append-only). */
export const candidateSchema = obj('A line of candidates.jsonl.', {
  key: text("The subnet's arch key."),
  arch: archSchema,
  accuracy: share('Inherited top-1 validation accuracy (0–1) after batch-norm recalibration.'),
  loss: num('Validation loss.', { default: NaN }),
  flops: count('Multiply-accumulates (MACs) of one image, from the analytic model.'),
  params: count('Parameters, from the analytic model.'),
  latency: optional(count('Median ms of one image in onnxruntime-node, when measured.')),
  deviceLatency: deviceLatencies(),
  checkpointStep: num(
    'The checkpoint step whose weights were evaluated: a resumed run’s older figures are stale.',
    { default: -1 },
  ),
  source: str('Which search (or ranking check) first evaluated it.', { default: '' }),
  generation: num('In which generation.', { default: 0 }),
  time: num('When, in ms since the epoch.', { default: 0 }),
  worker: optional(text('The queue worker that evaluated it; absent when run locally.')),
});
export type Candidate = Infer<typeof candidateSchema>;

/**
 * A candidate's figures as events, pareto.json, the chart and the tree carry them, with
 * whether it meets the search's constraints (when that was judged).
 */
export const candidateFiguresSchema = obj("A subnet's figures.", {
  key: text("The subnet's arch key."),
  accuracy: num('Inherited accuracy (0–1).'),
  flops: num('MACs of one image.'),
  params: num('Parameters.'),
  latency: optional(num('Median ms of one image on this machine, when measured.')),
  deviceLatency: deviceLatencies(),
  feasible: optional(bool('Whether it meets the search’s constraints.')),
  worker: optional(text('The queue worker that evaluated it.')),
});
export type CandidateFigures = Infer<typeof candidateFiguresSchema>;

/** pareto.json: the answer of the last search of a run. */
export const paretoFileSchema = obj('pareto.json.', {
  version: literal('Its format.', 1),
  runId: text('The run.'),
  search: text('Which search wrote it.'),
  algorithm: oneOf('The algorithm.', { nsga2: 'NSGA-II.', random: 'Random search.' }),
  predictor: optional(
    oneOf('The offspring screening.', { none: 'None.', linas: 'LINAS (an accuracy predictor).' }),
  ),
  seed: num('The seed.'),
  budget: count('Most subnets it would evaluate.'),
  objectives: list('What it optimised.', objectiveSchema),
  constraints: list('The constraints, as written.', str('One.')),
  referencePoint: list(
    'The hypervolume’s reference point, in minimised objectives.',
    figure('One objective.'),
  ),
  hypervolume: figure('Hypervolume of the front.'),
  evaluations: count('Subnets evaluated.'),
  stopReason: str('Why it stopped.'),
  history: list(
    'Hypervolume after each generation.',
    obj('One generation.', {
      generation: count('The generation.'),
      evaluations: count('Subnets evaluated so far.'),
      hypervolume: figure('Hypervolume of the front then.'),
      predictor: optional(predictorFitSchema),
    }),
  ),
  front: list(
    'The feasible non-dominated subnets, sorted by the first objective (best first).',
    obj('A subnet of the front.', {
      ...candidateFiguresSchema.fields,
      arch: archSchema,
      loss: figure('Validation loss.'),
    }),
  ),
  time: str('When it was written, ISO 8601.'),
});
export type ParetoFile = Infer<typeof paretoFileSchema>;

/** One subnet of a ranking check: its accuracy in the supernet and trained alone. */
export const rankedSubnetSchema = obj('A subnet of a ranking check.', {
  key: str("The subnet's arch key."),
  flops: num('MACs of one image.'),
  params: num('Parameters.'),
  supernetAccuracy: num(
    "Inherited accuracy: with the supernet's weights (BN recalibrated), as search measures it.",
  ),
  standaloneAccuracy: num(
    'Stand-alone accuracy: after training the subnet alone from scratch with the same recipe.',
  ),
  standaloneSeconds: num('Seconds of that training.'),
});
export type RankedSubnet = Infer<typeof rankedSubnetSchema>;

/** rank.json: the last ranking check of a run (its figures: shared/src/ranking.ts). */
export const rankFileSchema = obj('rank.json.', {
  runId: text('The run.'),
  epochs: num('Epochs each subnet was trained alone for.'),
  seed: num('The seed.'),
  subnets: list('The subnets, measured both ways.', rankedSubnetSchema),
  kendallTau: figure('τ-b of inherited against stand-alone accuracy.'),
  spearmanRho: figure('Spearman’s ρ.'),
  kendallTauInterval: optional(
    interval('Its 95% bootstrap interval (absent in rank.json of older versions).'),
  ),
  flopsKendallTau: optional(figure('τ-b of MACs alone (absent in older files).')),
  partialKendallTau: optional(figure('τ of the supernet given MACs (absent in older files).')),
  ...baselineFields,
  time: str('When it was written, ISO 8601.', { default: '' }),
});
export type RankFile = Infer<typeof rankFileSchema>;

/** A rank.json, or the problem with it (a field that may be absent is dropped when wrong). */
export const parseRankFile = (x: unknown) => readTolerant(rankFileSchema, x, 'rank.json');

/**
 * One subnet trained alone from scratch for a ranking check: a line of standalone.jsonl,
 * what `recipe` (queueTasks.recipeOf) and `epochs` gave it. Its accuracy is the
 * stand-alone kind (shared/src/accuracyKinds.ts).
 */
export const standaloneRecordSchema = obj('A line of standalone.jsonl.', {
  recipe: str("The recipe's identity (queueTasks.recipeOf)."),
  key: str("The subnet's arch key."),
  epochs: num('Epochs it was trained for.'),
  accuracy: share('Stand-alone top-1 validation accuracy (0–1).'),
  loss: num('Validation loss.'),
  images: count('Training images seen.'),
  seconds: count('Seconds of training.'),
  time: str('When, ISO 8601.', { default: '' }),
  worker: optional(str('The queue worker that trained it; absent when trained locally.')),
});
export type StandaloneRecord = Infer<typeof standaloneRecordSchema>;

const accuracyAndLoss = (doc: string) =>
  obj(doc, { accuracy: share('Top-1 accuracy (0–1).'), loss: num('Validation loss.') });

/**
 * result.json of a completed fine-tune (`<run>/finetune/<key>/`): the subnet's accuracy
 * as it inherited it from the supernet and after `epochs` of fine-tuning, both batch norm
 * recalibrated and measured on the run's validation split, and what it took.
 */
export const finetuneResultSchema = obj('A fine-tune’s result.json.', {
  version: literal('Its format.', 1),
  runId: str('The run.'),
  key: str("The subnet's arch key."),
  arch: archSchema,
  flops: count('MACs of one image.'),
  params: count('Parameters.'),
  epochs: count('Epochs of fine-tuning.'),
  steps: count('Optimizer steps.'),
  lr: count('Peak learning rate of the cosine schedule.'),
  teacher: optional(
    str(
      "The frozen teacher's arch key (the supernet's largest subnet); absent without distillation.",
    ),
  ),
  sourceStep: count("The run checkpoint's step the weights came from."),
  sourceSha256: str('The SHA-256 of that checkpoint’s tensors.'),
  inherited: accuracyAndLoss('Before fine-tuning (inherited accuracy).'),
  finetuned: accuracyAndLoss('After fine-tuning (fine-tuned accuracy).'),
  seconds: count('Seconds of fine-tuning (steps and per-epoch evaluations), across resumes.'),
  time: str('When it completed, ISO 8601.', { default: '' }),
});
export type FinetuneResult = Infer<typeof finetuneResultSchema>;

export const isRunStatus = (x: unknown): x is RunStatus =>
  (RUN_STATUSES as readonly unknown[]).includes(x);

/** run.json's fields that have the right types; undefined when it is not an object. */
export function parseRunMeta(x: unknown): Partial<RunMeta> | undefined {
  if (!isRecord(x)) return undefined;
  return validFields(runMetaSchema, x);
}

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
  const c = readTolerant(candidateSchema, x);
  if (!c.ok || !isSubnet(c.value.arch) || archKey(c.value.arch) !== c.value.key) return undefined;
  return c.value;
}

/** A subnet's figures from an event or a pareto.json entry, or undefined when they are incomplete. */
export function parseCandidateFigures(x: unknown): CandidateFigures | undefined {
  const f = readTolerant(candidateFiguresSchema, x);
  return f.ok ? f.value : undefined;
}

/** The front of a pareto.json (each entry with its arch when the file has it), or undefined. */
export function parseParetoFront(x: unknown): (CandidateFigures & { arch?: Arch })[] | undefined {
  if (!isRecord(x) || !Array.isArray(x.front)) return undefined;
  return x.front.flatMap((e: unknown) => {
    const f = parseCandidateFigures(e);
    if (!f) return [];
    return [isRecord(e) && isArch(e.arch) ? { ...f, arch: e.arch } : f];
  });
}

/** A standalone.jsonl line, or undefined when it is not one. */
export function parseStandaloneRecord(x: unknown): StandaloneRecord | undefined {
  const r = readTolerant(standaloneRecordSchema, x);
  return r.ok ? r.value : undefined;
}

/** A fine-tune's result.json, or undefined when it is not one (or its key is not its arch's). */
export function parseFinetuneResult(x: unknown): FinetuneResult | undefined {
  const r = readTolerant(finetuneResultSchema, x);
  if (!r.ok || archKey(r.value.arch) !== r.value.key || !isSubnet(r.value.arch)) return undefined;
  return r.value;
}
