import { isMetricName, metricOfName, objectiveSchema, type Objective } from '../metrics';
import {
  candidateFiguresSchema,
  paretoFileSchema,
  parseParetoFront,
  predictorFitSchema,
} from '../runFolder/records';
import { figure, list, nullableNum, obj, optional, record, str, type Infer } from '../schema/dsl';
import { isRecord, problemOf, validFields } from '../schema/validate';
import {
  parseEngineEvent,
  type EpochEvent,
  type ExecutorEvent,
  type GenerationEvent,
  type SamplerEvent,
  type StepEvent,
} from '../protocol/engine';
import {
  addFinetuneEnd,
  addFinetuneEpoch,
  addFinetuneStart,
  addFinetuneStep,
  emptyFinetunes,
  finetuneStateSchema,
} from './finetuneModel';
import {
  addEpochRanking,
  addRankEvent,
  addStability,
  emptyRanking,
  rankingStateSchema,
} from './rankingModel';

/**
 * The numbers a run's dashboard draws, built from engine events. Pure and plain data
 * (no Map, no class) so the extension builds it from the run folder and posts it to
 * the webview, which keeps appending live events to it with the same functions.
 */

const values = (doc: string) => list(doc, figure('One.'));
const gaps = (doc: string) => list(doc, nullableNum('One; null where it had none.'));

/** Per training step; every array has one entry per step, in step order. */
export const stepSeriesSchema = obj('Per training step.', {
  step: values('The steps.'),
  largest: gaps('Cross-entropy of the largest subnet.'),
  smallest: gaps('Of the smallest.'),
  random: gaps("The mean over the step's random subnets."),
  distill: gaps('The distillation loss.'),
  lr: values('The learning rate.'),
  imagesPerSec: values('Throughput.'),
  gradTotal: values('Gradient variance over every shared weight.'),
  gradStages: list('gradStages[s][i]: the variance of stage s at step i.', gaps('One stage.')),
});
export type StepSeries = Infer<typeof stepSeriesSchema>;

export const epochSeriesSchema = obj('Per epoch.', {
  epoch: values('The epochs.'),
  step: values('Their steps.'),
  largest: values("The largest subnet's accuracy."),
  smallest: values("The smallest subnet's."),
});
export type EpochSeries = Infer<typeof epochSeriesSchema>;

/** Importance sampling: probabilities[decision][choice][i] at step[i]. */
export const samplerSeriesSchema = obj("The sampler's probabilities.", {
  step: values('The steps.'),
  probabilities: record('By decision, by choice.', list('One decision.', gaps('One choice.'))),
});
export type SamplerSeries = Infer<typeof samplerSeriesSchema>;

/** One evaluated subnet as the Pareto chart plots it, with the generation that found it. */
export const candidatePointSchema = obj('A subnet of the Pareto chart.', {
  ...candidateFiguresSchema.fields,
  generation: optional(figure('The generation that found it.')),
});
export type CandidatePoint = Infer<typeof candidatePointSchema>;

export const generationPointSchema = obj('One generation.', {
  generation: figure('The generation.'),
  evaluations: figure('Subnets evaluated so far.'),
  hypervolume: figure('The hypervolume then.'),
  predictor: optional(predictorFitSchema),
});
export type GenerationPoint = Infer<typeof generationPointSchema>;

export const fleetStateSchema = obj('A queue as last reported.', {
  executor: str("The queue's URL (password hidden)."),
  workers: list(
    'Its workers.',
    obj('One.', {
      id: str('Its id.'),
      state: str('What it does.'),
      progress: optional(str('How far.')),
    }),
  ),
  queued: figure('Tasks waiting.'),
  running: figure('Tasks running.'),
  done: figure('Tasks done.'),
  evaluationsPerSec: figure('Evaluations per second.'),
  message: optional(str('Something the user should know.')),
});
export type FleetState = Infer<typeof fleetStateSchema>;

export const searchStateSchema = obj("A run's searches.", {
  candidates: list('Every evaluated subnet.', candidatePointSchema),
  indexOf: record(
    'Index into `candidates` by key: a key evaluated again replaces its point.',
    figure('An index.'),
  ),
  generations: list(
    "The latest search's progress; a new search-start starts it over.",
    generationPointSchema,
  ),
  front: list("The engine's latest front (in all its objectives).", candidateFiguresSchema),
  objectives: list('The objectives.', objectiveSchema),
  constraints: list('The constraints.', str('One.')),
  fleet: optional({
    ...fleetStateSchema,
    doc: 'A search on a worker fleet: the queue as last reported; cleared when a search ends.',
  }),
});
export type SearchState = Infer<typeof searchStateSchema>;

/** Everything a run's dashboard draws: what the extension posts to the webview. */
export const runChartModelSchema = obj("A run's chart model.", {
  runId: str('The run.'),
  totalSteps: optional(figure('Steps it trains for.')),
  status: optional(str('Where it stands.')),
  steps: stepSeriesSchema,
  epochs: epochSeriesSchema,
  sampler: samplerSeriesSchema,
  search: searchStateSchema,
  ranking: rankingStateSchema,
  finetune: optional({
    ...finetuneStateSchema,
    doc: "The run's fine-tuned subnets: curves and results (absent in models of older versions).",
  }),
});
export type RunChartModel = Infer<typeof runChartModelSchema>;

export const DEFAULT_OBJECTIVES: Objective[] = [
  { name: 'accuracy', direction: 'max' },
  { name: 'flops', direction: 'min' },
];

export function emptyModel(runId: string): RunChartModel {
  return {
    runId,
    steps: {
      step: [],
      largest: [],
      smallest: [],
      random: [],
      distill: [],
      lr: [],
      imagesPerSec: [],
      gradTotal: [],
      gradStages: [],
    },
    epochs: { epoch: [], step: [], largest: [], smallest: [] },
    sampler: { step: [], probabilities: {} },
    search: {
      candidates: [],
      indexOf: {},
      generations: [],
      front: [],
      objectives: DEFAULT_OBJECTIVES.map((o) => ({ ...o })),
      constraints: [],
    },
    ranking: emptyRanking(),
    finetune: emptyFinetunes(),
  };
}

const finite = (x: unknown): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? x : null;

/**
 * Drops the entries of parallel arrays from the first whose step is ≥ `step`. A resumed
 * run replays the steps after its last checkpoint, and a live batch can repeat what the
 * folder already held: the newer values win and x stays ascending, as uPlot needs.
 */
function truncateFrom(steps: number[], step: number, arrays: unknown[][]): void {
  if (steps.length === 0 || steps[steps.length - 1] < step) return;
  let cut = steps.length;
  while (cut > 0 && steps[cut - 1] >= step) cut--;
  for (const a of arrays) a.length = Math.min(a.length, cut);
}

function addStep(s: StepSeries, e: StepEvent): void {
  truncateFrom(s.step, e.step, [
    s.step,
    s.largest,
    s.smallest,
    s.random,
    s.distill,
    s.lr,
    s.imagesPerSec,
    s.gradTotal,
    ...s.gradStages,
  ]);
  const byRole = { largest: [] as number[], smallest: [] as number[], random: [] as number[] };
  for (const l of e.losses) {
    const v = finite(l?.loss);
    if (v !== null && l.role in byRole) byRole[l.role].push(v);
  }
  const mean = (xs: number[]): number | null =>
    xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  const i = s.step.length;
  s.step.push(e.step);
  s.largest.push(mean(byRole.largest));
  s.smallest.push(mean(byRole.smallest));
  s.random.push(mean(byRole.random));
  s.distill.push(finite(e.distillLoss));
  s.lr.push(e.lr);
  s.imagesPerSec.push(finite(e.imagesPerSec) ?? 0);
  s.gradTotal.push(finite(e.gradVariance.total) ?? 0);
  const stages = Array.isArray(e.gradVariance.stages) ? e.gradVariance.stages : [];
  // A stage first seen now has no values before: pad so every array stays parallel.
  while (s.gradStages.length < stages.length) s.gradStages.push(new Array<null>(i).fill(null));
  s.gradStages.forEach((a, k) => a.push(finite(stages[k])));
}

function addEpoch(s: EpochSeries, e: EpochEvent): void {
  truncateFrom(s.epoch, e.epoch, [s.epoch, s.step, s.largest, s.smallest]);
  s.epoch.push(e.epoch);
  s.step.push(finite(e.step) ?? 0);
  s.largest.push(finite(e.largest.accuracy) ?? 0);
  s.smallest.push(finite(e.smallest.accuracy) ?? 0);
}

function addSampler(s: SamplerSeries, e: SamplerEvent): void {
  truncateFrom(s.step, e.step, [s.step, ...Object.values(s.probabilities).flat()]);
  const i = s.step.length;
  s.step.push(e.step);
  for (const [name, probs] of Object.entries(e.probabilities)) {
    if (!Array.isArray(probs)) continue;
    const choices = (s.probabilities[name] ??= []);
    while (choices.length < probs.length) choices.push(new Array<null>(i).fill(null));
    choices.forEach((a, k) => a.push(finite(probs[k])));
  }
  // A decision missing from this event gets a gap, not a shifted curve.
  for (const choices of Object.values(s.probabilities))
    for (const a of choices) while (a.length <= i) a.push(null);
}

/** Adds (or replaces, by key) one subnet's figures. */
export function addCandidate(
  search: SearchState,
  c: { key: string } & Partial<Omit<CandidatePoint, 'key'>>,
): void {
  const accuracy = finite(c.accuracy);
  const flops = finite(c.flops);
  const params = finite(c.params);
  if (!c.key || accuracy === null || flops === null || params === null) return;
  const point: CandidatePoint = { key: c.key, accuracy, flops, params };
  const latency = finite(c.latency);
  if (latency !== null) point.latency = latency;
  if (isRecord(c.deviceLatency)) {
    const devices = Object.entries(c.deviceLatency).filter(([, d]) => finite(d?.ms) !== null);
    if (devices.length) point.deviceLatency = Object.fromEntries(devices);
  }
  if (typeof c.feasible === 'boolean') point.feasible = c.feasible;
  if (typeof c.generation === 'number') point.generation = c.generation;
  if (typeof c.worker === 'string' && c.worker) point.worker = c.worker;
  const at = search.indexOf[c.key];
  if (at === undefined) {
    search.indexOf[c.key] = search.candidates.length;
    search.candidates.push(point);
  } else {
    search.candidates[at] = point;
  }
}

/** A queue's state as the editor keeps it, from an `executor` event. */
export function fleetOf(e: ExecutorEvent): FleetState {
  return {
    executor: e.executor,
    workers: e.workers.map((w) => ({
      id: w.id,
      state: w.state,
      ...(w.progress ? { progress: w.progress } : {}),
    })),
    queued: e.queued,
    running: e.running,
    done: e.done,
    evaluationsPerSec: e.evaluationsPerSec,
    ...(e.message ? { message: e.message } : {}),
  };
}

function addGeneration(search: SearchState, e: GenerationEvent): void {
  const g = search.generations;
  while (g.length && g[g.length - 1].generation >= e.generation) g.pop();
  g.push({
    generation: e.generation,
    evaluations: e.evaluations,
    hypervolume: e.hypervolume,
    ...(e.predictor ? { predictor: e.predictor } : {}),
  });
  search.front = e.front;
}

function objectivesOf(x: unknown): Objective[] | undefined {
  if (!Array.isArray(x)) return undefined;
  const out = x.flatMap((o: { name?: unknown; direction?: unknown }) =>
    isMetricName(o?.name) && (o.direction === 'max' || o.direction === 'min')
      ? [{ name: o.name, direction: o.direction } as Objective]
      : [],
  );
  return out.length ? out : undefined;
}

/** Appends events to the model in place; events of other kinds are ignored. */
export function appendEvents(model: RunChartModel, events: readonly unknown[]): void {
  for (const x of events) {
    const e = parseEngineEvent(x);
    if (!e) continue;
    switch (e.type) {
      case 'run-start':
        model.totalSteps = e.totalSteps;
        model.status = 'running';
        break;
      case 'run-end':
        model.status = e.status;
        break;
      case 'step':
        addStep(model.steps, e);
        break;
      case 'epoch':
        addEpoch(model.epochs, e);
        break;
      case 'sampler':
        addSampler(model.sampler, e);
        break;
      case 'executor':
        model.search.fleet = fleetOf(e);
        break;
      case 'search-start':
        delete model.search.fleet;
        model.search.generations = [];
        model.search.front = [];
        model.search.objectives = objectivesOf(e.objectives) ?? model.search.objectives;
        if (Array.isArray(e.constraints)) model.search.constraints = e.constraints.slice();
        break;
      case 'candidate':
        addCandidate(model.search, { ...e.candidate, generation: e.generation });
        break;
      case 'generation':
        addGeneration(model.search, e);
        break;
      case 'search-end':
        model.search.front = e.front;
        delete model.search.fleet;
        break;
      case 'stability':
        addStability(model.ranking, e);
        break;
      case 'ranking':
        addEpochRanking(model.ranking, e);
        break;
      case 'rank-start':
      case 'ranked':
      case 'rank-end':
        addRankEvent(model.ranking, e);
        break;
      case 'finetune-start':
        addFinetuneStart((model.finetune ??= emptyFinetunes()), e);
        break;
      case 'finetune-step':
        addFinetuneStep((model.finetune ??= emptyFinetunes()), e);
        break;
      case 'finetune-epoch':
        addFinetuneEpoch((model.finetune ??= emptyFinetunes()), e);
        break;
      case 'finetune-end':
        addFinetuneEnd((model.finetune ??= emptyFinetunes()), e);
        break;
      default:
        break;
    }
  }
}

/**
 * What pareto.json adds when the search events are gone or were never written: the
 * objectives, the constraints, the final front and the hypervolume history.
 */
export function applyParetoFile(model: RunChartModel, json: unknown): void {
  if (!isRecord(json)) return;
  // Each field, and each entry of a list, as the schema says or left out: what is right of
  // a file of another version or a hand edit still shows.
  const p = validFields(paretoFileSchema, json);
  const search = model.search;
  if (p.objectives?.length) search.objectives = p.objectives;
  if (p.constraints) search.constraints = p.constraints;
  const front = parseParetoFront(json);
  if (front && search.front.length === 0) search.front = front;
  const entry = paretoFileSchema.fields.history.items;
  if (Array.isArray(json.history) && search.generations.length === 0)
    for (const h of json.history)
      if (
        problemOf(entry, h) === undefined &&
        Number.isFinite((h as { hypervolume: unknown }).hypervolume)
      ) {
        const g = h as Infer<typeof entry>;
        search.generations.push({
          generation: g.generation,
          evaluations: g.evaluations,
          hypervolume: g.hypervolume,
        });
      }
}

/** The config's `search.objectives` map ({accuracy: max, flops: min}) as a list. */
export function objectivesFromConfig(search: unknown): Objective[] | undefined {
  if (typeof search !== 'object' || search === null) return undefined;
  const o = (search as Record<string, unknown>).objectives;
  if (typeof o !== 'object' || o === null) return undefined;
  return objectivesOf(
    Object.entries(o).map(([name, direction]) => ({ name: metricOfName(name), direction })),
  );
}
