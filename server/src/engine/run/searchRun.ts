import { archKey } from '#shared/arch';
import type { EngineEvent, SearchCommand } from '#shared/protocol/engine';
import { AppendLog } from '#shared/runFolder/appendLog';
import type {
  Candidate,
  CandidateFigures,
  ParetoFile,
  PredictorFit,
} from '#shared/runFolder/records';
import type { SupernetConfig } from '../../config/configSchema';
import { largestArch, smallestArch } from '../../space/arch';
import { subnetCost } from '../../space/facts';
import { spaceFacts } from '../../space/facts';
import type { DataOptions } from '../data/trainingData';
import type { Executor } from '../execute/executor';
import { openExecutor } from './openExecutor';
import { RunError } from '../runError';
import { archProblem, type ArchGenome, type ArchProblem } from '../search/archProblem';
import {
  countedScore,
  objectiveBounds,
  scaledReferencePoint,
  scoreOf,
  unmeetableConstraint,
  violation,
  type SpaceRanges,
} from '../search/objectives';
import { hypervolume, type ObjectiveBounds } from '../search/hypervolume';
import { firstFront } from '../search/nondominatedSort';
import { searchOptionsFrom } from '../search/options';
import { runSearch } from '../search/runSearch';
import type { SearchResult } from '../search/types';
import { spaceDecisions } from '../../space/decisions';
import { CandidateStore } from '../storage/candidateStore';
import { loadRunOnBackend, type LoadedRun } from './loadRun';
import { atomicWrite } from '#shared/runFolder/durable';
import { RunFolder } from '../storage/runFolder';
import { searchPlan, type SearchPlan } from './searchPlan';
import { CandidateMeasurer } from './candidateMeasurer';
import {
  devicesDirOf,
  openDeviceSources,
  type DeviceLatencySource,
} from '../devices/deviceLatencies';
import { QueueExecutor } from '../execute/queue/queueExecutor';
import { linas, type LinasGenerationInfo, type LinasSearchOptions } from '../search/linas';
import { archFeatures, ridgeSurrogate } from '../search/surrogate';
import { accuracyPredictorFit, unscaledAccuracy } from '../search/predictorFit';

export interface SearchRunOptions extends DataOptions {
  emit: (e: EngineEvent) => void;
  /** Checked between generations: true ends the search with what it has. */
  shouldStop?: () => boolean;
}

/** A search in progress: the run, its logs, the measurer, and the plan. */
interface SearchSession {
  loaded: LoadedRun;
  plan: SearchPlan;
  store: CandidateStore;
  measurer: CandidateMeasurer;
  emit: (e: EngineEvent) => void;
  source: string;
  t0: number;
  devices: readonly DeviceLatencySource[];
}

/**
 * Searches a trained run for its Pareto front: NSGA-II or random search over the arch
 * genome, each subnet evaluated once (candidates.jsonl), events appended to
 * search-events.jsonl, the front written to pareto.json. A constraint that no subnet of
 * the space can meet is an error before anything is evaluated.
 */
export async function searchRun(cmd: SearchCommand, opts: SearchRunOptions): Promise<ParetoFile> {
  const t0 = Date.now();
  const loaded = await loadRunOnBackend(RunFolder.find(cmd.run, cmd.runsDir));
  const log = new AppendLog<EngineEvent>(loaded.folder.searchEventsFile);
  const store = new CandidateStore(loaded.folder.candidatesFile);
  const emit = (e: EngineEvent) => {
    log.append(e);
    opts.emit(e);
  };
  let executor: Executor | undefined;
  let devices: DeviceLatencySource[] = [];
  try {
    const plan = searchPlan(cmd, loaded.config);
    const source = `${plan.algorithm}-seed${plan.seed}-${new Date(t0).toISOString()}`;
    executor = await openExecutor(cmd.executor, loaded, { ...opts, emit });
    devices = await openDeviceSources(plan.devices, {
      deviceQueue:
        cmd.deviceQueue ?? (executor instanceof QueueExecutor ? cmd.executor : undefined),
      devicesDir: devicesDirOf(cmd.runsDir),
      config: loaded.config,
      net: loaded.net,
      emit,
    });
    const measurer = new CandidateMeasurer(loaded.net, loaded.config, store, executor, {
      latency: plan.latency,
      source,
      checkpointStep: loaded.step,
      devices,
    });
    const s: SearchSession = { loaded, plan, store, measurer, emit, source, t0, devices };
    const result = await explore(s, await spaceRanges(s), opts.shouldStop);
    // Closed first: a queue's report in flight lands before the search's end, never after.
    await executor?.close();
    executor = undefined;
    return finishSearch(s, result);
  } catch (e) {
    emit(failedSearchEnd((e as Error).message, (Date.now() - t0) / 1000));
    throw e;
  } finally {
    await executor?.close();
    for (const d of devices) await d.close();
    store.close();
    log.close();
    loaded.net.dispose();
  }
}

/** The space's FLOPs, params (and latency) ranges; an unmeetable constraint stops here. */
async function spaceRanges(s: SearchSession): Promise<SpaceRanges> {
  const { config } = s.loaded;
  const facts = spaceFacts(config);
  const ranges: SpaceRanges = { flops: facts.flops, params: facts.params };
  const extremes = [
    smallestArch(config.space, config.task),
    largestArch(config.space, config.task),
  ];
  if (s.plan.latency)
    ranges.latency = [
      await s.measurer.latencyOf(extremes[0]),
      await s.measurer.latencyOf(extremes[1]),
    ];
  if (s.devices.length) ranges.deviceLatency = {};
  for (const d of s.devices) {
    // Latency is not monotone in every choice (a deeper stage at a lower resolution), and
    // a device's timings are noisy: the extremes' times, widened, bound the scale.
    const [lo, hi] = await d.measure(extremes);
    ranges.deviceLatency![d.device] = [Math.min(lo.ms, hi.ms) / 2, 2 * Math.max(lo.ms, hi.ms)];
  }
  const unmeetable = unmeetableConstraint(s.plan.constraints, config.search.constraints, ranges);
  if (unmeetable) throw new RunError(unmeetable);
  return ranges;
}

/** A candidate's figures, and whether it meets the search's constraints. */
const figuresOf = (c: Candidate, s: SearchSession): CandidateFigures => ({
  key: c.key,
  accuracy: c.accuracy,
  flops: c.flops,
  params: c.params,
  ...(c.latency !== undefined ? { latency: c.latency } : {}),
  ...(c.deviceLatency ? { deviceLatency: c.deviceLatency } : {}),
  feasible: violation(c, s.plan.constraints) === 0,
  ...(c.worker ? { worker: c.worker } : {}),
});

/** What a search found, with its hypervolume history and the subnet key of a genome. */
type Explored = SearchResult<ArchGenome> & {
  history: ParetoFile['history'];
  keyOf: (g: ArchGenome) => string;
  /** The objectives' bounds the search scaled its scores by. */
  bounds: ObjectiveBounds[];
};

/** Runs the search algorithm, evaluating (or reusing) each subnet it proposes. */
async function explore(
  s: SearchSession,
  ranges: SpaceRanges,
  shouldStop?: () => boolean,
): Promise<Explored> {
  const { config } = s.loaded;
  const { plan } = s;
  const bounds = objectiveBounds(plan.objectives, ranges);
  let generation = 0;
  const problem = archProblem(spaceDecisions(config.space, config.task), async (archs) => {
    const measured = await s.measurer.measureAll(
      archs,
      generation,
      (candidate, cached) =>
        s.emit({
          type: 'candidate',
          time: Date.now(),
          generation,
          candidate: figuresOf(candidate, s),
          cached,
        }),
      shouldStop,
    );
    return archs.map((arch) =>
      scoreOf(measured.get(archKey(arch))!, plan.objectives, plan.constraints, bounds),
    );
  });
  s.emit({
    type: 'search-start',
    time: Date.now(),
    runId: s.loaded.folder.id,
    algorithm: plan.algorithm,
    objectives: plan.objectives,
    constraints: config.search.constraints,
    budget: plan.budget,
    seed: plan.seed,
    ...(plan.latency || s.devices.length
      ? {
          latencySources: [
            ...(plan.latency ? ['latency on this machine (onnxruntime, 1 thread)'] : []),
            ...s.devices.map((d) => d.description),
          ],
        }
      : {}),
    ...(plan.algorithm === 'nsga2' ? { predictor: plan.predictor } : {}),
    cached: [...s.store.byKey.values()].filter((c) => c.checkpointStep === s.loaded.step).length,
  });
  const history: ParetoFile['history'] = [];
  const predictorFit = (info: LinasGenerationInfo<ArchGenome>): PredictorFit | undefined =>
    info.predicted && accuracyAt >= 0
      ? accuracyPredictorFit(
          info.predicted.map((p) => ({
            predicted: unscaledAccuracy(p.objectives[accuracyAt], bounds[accuracyAt]),
            actual: stored(s, problem.key(p.genome)).accuracy,
          })),
          info.evaluations - info.predicted.length,
        )
      : undefined;
  const accuracyAt = plan.objectives.findIndex((o) => o.name === 'accuracy');
  const searchOptions = {
    ...searchOptionsFrom(config.search),
    seed: plan.seed,
    population: plan.population,
    generations: plan.generations,
    maxEvaluations: plan.budget,
    referencePoint: scaledReferencePoint(plan.objectives),
    shouldStop,
    onGeneration(info: LinasGenerationInfo<ArchGenome>) {
      const predictor = predictorFit(info);
      history.push({
        generation: info.generation,
        evaluations: info.evaluations,
        hypervolume: info.hypervolume,
        ...(predictor ? { predictor } : {}),
      });
      s.emit({
        type: 'generation',
        time: Date.now(),
        generation: info.generation,
        evaluations: info.evaluations,
        hypervolume: info.hypervolume,
        referencePoint: [...info.referencePoint],
        front: info.front.map((e) => figuresOf(stored(s, problem.key(e.genome)), s)),
        evaluationsPerSec: s.measurer.evaluationsPerSecond,
        ...(predictor ? { predictor } : {}),
      });
      generation = info.generation + 1;
    },
  };
  const result = await runAlgorithm(s, problem, searchOptions, bounds);
  return { ...result, history, keyOf: (g) => problem.key(g), bounds };
}

/** The plan's algorithm: NSGA-II (with LINAS's screening when asked) or random search. */
function runAlgorithm(
  s: SearchSession,
  problem: ArchProblem,
  options: LinasSearchOptions<ArchGenome>,
  bounds: ObjectiveBounds[],
): Promise<SearchResult<ArchGenome>> {
  const { plan } = s;
  const { config } = s.loaded;
  if (plan.algorithm !== 'nsga2' || plan.predictor !== 'linas')
    return runSearch(plan.algorithm, problem, options);
  return linas(problem, options, ridgeSurrogate(costFeatures(problem, config)), {
    exact: (g: ArchGenome) =>
      countedScore(
        subnetCost(config.space, config.task, problem.decode(g)),
        plan.objectives,
        plan.constraints,
        bounds,
      ),
  });
}

/**
 * What the accuracy predictor reads of a subnet: its choices one-hot (archFeatures), and
 * its MACs and parameters scaled to the space's range — accuracy grows with size in ways
 * no sum of separate choices captures (a wide stage is worth more at a high resolution).
 */
function costFeatures(
  problem: ArchProblem,
  config: SupernetConfig,
): (g: ArchGenome) => Float64Array {
  const choices = archFeatures(problem);
  const facts = spaceFacts(config);
  const scaled = (v: number, [lo, hi]: [number, number]) => (hi > lo ? (v - lo) / (hi - lo) : 0);
  return (g) => {
    const cost = subnetCost(config.space, config.task, problem.decode(g));
    const one = choices(g);
    const out = new Float64Array(one.length + 2);
    out.set(one);
    out[one.length] = scaled(cost.flops, facts.flops);
    out[one.length + 1] = scaled(cost.params, facts.params);
    return out;
  };
}

function stored(s: SearchSession, key: string): Candidate {
  const c = s.store.get(key);
  if (!c) throw new Error(`Candidate ${key} was scored but not stored.`);
  return c;
}

/**
 * The front over every subnet evaluated on these weights (the same checkpoint step), this
 * search's and earlier ones': a short search after a long one must not replace a front of
 * many subnets by the few it saw itself. Feasible only, best first by the first objective.
 */
function mergedFront(s: SearchSession, result: Explored): { front: Candidate[]; earlier: number } {
  const { plan, loaded } = s;
  const latencyNeeded = plan.latency;
  const own = new Set(result.front.map((e) => result.keyOf(e.genome)));
  const pool = [...s.store.byKey.values()].filter(
    (c) =>
      (c.checkpointStep === loaded.step || own.has(c.key)) &&
      (!latencyNeeded || c.latency !== undefined) &&
      !s.measurer.lacksLatency(c) &&
      violation(c, plan.constraints) <= 0,
  );
  const scores = pool.map((c) => scoreOf(c, plan.objectives, plan.constraints, result.bounds));
  const front = firstFront(scores)
    .map((i) => ({ c: pool[i], o: scores[i].objectives }))
    .sort((a, b) => a.o[0] - b.o[0] || a.o[1] - b.o[1])
    .map((e) => e.c);
  return { front, earlier: front.filter((c) => !own.has(c.key)).length };
}

/** Writes pareto.json and emits the search's end. */
function finishSearch(s: SearchSession, result: Explored): ParetoFile {
  const { folder, config } = s.loaded;
  const merged = mergedFront(s, result);
  const front = merged.front.map((c) => ({ ...figuresOf(c, s), arch: c.arch, loss: c.loss }));
  // The hypervolume of the front written, in the search's own scaled objectives.
  const hv = merged.earlier
    ? hypervolume(
        merged.front.map(
          (c) => scoreOf(c, s.plan.objectives, s.plan.constraints, result.bounds).objectives,
        ),
        result.referencePoint,
      )
    : result.hypervolume;
  if (merged.earlier)
    s.emit({
      type: 'log',
      time: Date.now(),
      level: 'info',
      message: `the front includes ${merged.earlier} subnet(s) that earlier searches evaluated on the same weights (checkpoint step ${s.loaded.step}); this search evaluated ${result.evaluations}`,
    });
  const pareto: ParetoFile = {
    version: 1,
    runId: folder.id,
    search: s.source,
    algorithm: s.plan.algorithm,
    ...(s.plan.algorithm === 'nsga2' ? { predictor: s.plan.predictor } : {}),
    seed: s.plan.seed,
    budget: s.plan.budget,
    objectives: s.plan.objectives,
    constraints: config.search.constraints,
    referencePoint: result.referencePoint,
    hypervolume: hv,
    evaluations: result.evaluations,
    stopReason: result.stopReason,
    history: result.history,
    front,
    time: new Date().toISOString(),
  };
  atomicWrite(folder.paretoFile, JSON.stringify(pareto, null, 2) + '\n');
  s.emit({
    type: 'search-end',
    time: Date.now(),
    status: result.stopReason === 'stopped' ? 'cancelled' : 'completed',
    evaluations: result.evaluations,
    hypervolume: hv,
    front: front.map(({ arch: _arch, loss: _loss, ...r }) => r),
    seconds: (Date.now() - s.t0) / 1000,
    paretoFile: folder.paretoFile,
  });
  return pareto;
}

export const failedSearchEnd = (message: string, seconds: number): EngineEvent => ({
  type: 'search-end',
  time: Date.now(),
  status: 'failed',
  evaluations: 0,
  hypervolume: 0,
  front: [],
  seconds,
  message,
});
