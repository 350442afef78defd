import * as path from 'node:path';
import type {
  CandidateRecord,
  EngineEvent,
  SearchCommand,
  SearchEndEvent,
} from '../../protocol/engine';
import { largestArch, smallestArch } from '../../space/arch';
import { spaceFacts } from '../../space/facts';
import { archProblem } from '../search/archProblem';
import {
  constraintsOf,
  needsLatency,
  objectivesOf,
  objectiveBounds,
  scaledReferencePoint,
  scoreOf,
  unmeetableConstraint,
  violation,
  type Objective,
  type SpaceRanges,
} from '../search/objectives';
import { searchOptionsFrom } from '../search/options';
import { runSearch } from '../search/runSearch';
import { spaceDecisions } from '../train/decisions';
import { CandidateStore, type Candidate } from './candidates';
import { EventLog } from './eventLog';
import { findRun, loadRunOnBackend } from './loadRun';
import { atomicWrite, type RunFolder } from './runFolder';
import { loadTrainingData, RunError, type DataOptions } from './runInputs';
import { SubnetEvaluator } from './subnetEvaluator';

export interface SearchRunOptions extends DataOptions {
  emit: (e: EngineEvent) => void;
  /** Checked between generations: true ends the search with what it has. */
  shouldStop?: () => boolean;
}

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
  front: (CandidateRecord & { arch: Candidate['arch']; loss: number })[];
  time: string;
}

export const paretoFileOf = (folder: RunFolder): string => path.join(folder.dir, 'pareto.json');
export const candidatesFileOf = (folder: RunFolder): string =>
  path.join(folder.dir, 'candidates.jsonl');
export const searchEventsFileOf = (folder: RunFolder): string =>
  path.join(folder.dir, 'search-events.jsonl');

/**
 * Searches a trained run for its Pareto front: NSGA-II or random search over the arch
 * genome, each subnet evaluated once (candidates.jsonl), events appended to
 * search-events.jsonl, the front written to pareto.json. A constraint that no subnet of
 * the space can meet is an error before anything is evaluated.
 */
export async function searchRun(cmd: SearchCommand, opts: SearchRunOptions): Promise<ParetoFile> {
  const t0 = Date.now();
  const folder = findRun(cmd.run, cmd.runsDir);
  const loaded = await loadRunOnBackend(folder);
  const { config, net } = loaded;
  const log = new EventLog(searchEventsFileOf(folder));
  const store = new CandidateStore(candidatesFileOf(folder));
  const emit = (e: EngineEvent) => {
    log.append(e);
    opts.emit(e);
  };
  try {
    const objectives = objectivesOf(config.search);
    const constraints = constraintsOf(config.search);
    const latency = needsLatency(objectives, constraints);
    const algorithm: 'nsga2' | 'random' =
      cmd.algorithm ?? (config.search.algorithm === 'random' ? 'random' : 'nsga2');
    const seed = cmd.seed ?? config.search.seed;
    const population = cmd.population ?? config.search.population;
    const budget = cmd.budget ?? population * (cmd.generations ?? config.search.generations);
    // An explicit budget is the stopping rule: generations that find few new subnets
    // (duplicates are evaluated once) must not end the search before it is spent.
    const generations =
      cmd.budget !== undefined
        ? Math.max(cmd.generations ?? 0, budget)
        : Math.max(cmd.generations ?? config.search.generations, Math.ceil(budget / population));
    const source = `${algorithm}-seed${seed}-${new Date(t0).toISOString()}`;
    const { data } = loadTrainingData(config, loaded.configPath, opts);
    const evaluator = new SubnetEvaluator(net, config, data, store, {
      latency,
      source,
      checkpointStep: loaded.step,
    });

    const facts = spaceFacts(config);
    const ranges: SpaceRanges = { flops: facts.flops, params: facts.params };
    if (latency) {
      ranges.latency = [
        await evaluator.latencyOf(smallestArch(config.space, config.task)),
        await evaluator.latencyOf(largestArch(config.space, config.task)),
      ];
    }
    const unmeetable = unmeetableConstraint(constraints, config.search.constraints, ranges);
    if (unmeetable) throw new RunError(unmeetable);
    const bounds = objectiveBounds(objectives, ranges);
    const reference = scaledReferencePoint(objectives);

    const record = (c: Candidate): CandidateRecord => ({
      key: c.key,
      accuracy: c.accuracy,
      flops: c.flops,
      params: c.params,
      ...(c.latency !== undefined ? { latency: c.latency } : {}),
      feasible: violation(c, constraints) === 0,
    });
    let generation = 0;
    const problem = archProblem(spaceDecisions(config.space, config.task), async (archs) => {
      const scores = [];
      for (const arch of archs) {
        const { candidate, cached } = await evaluator.measure(arch, generation);
        emit({
          type: 'candidate',
          time: Date.now(),
          generation,
          candidate: record(candidate),
          cached,
        });
        scores.push(scoreOf(candidate, objectives, constraints, bounds));
      }
      return scores;
    });
    const candidateOf = (key: string): Candidate => {
      const c = store.get(key);
      if (!c) throw new Error(`Candidate ${key} was scored but not stored.`);
      return c;
    };

    emit({
      type: 'search-start',
      time: Date.now(),
      runId: folder.id,
      algorithm,
      objectives,
      constraints: config.search.constraints,
      budget,
      seed,
      cached: [...store.byKey.values()].filter((c) => c.checkpointStep === loaded.step).length,
    });
    const history: ParetoFile['history'] = [];
    const result = await runSearch(algorithm, problem, {
      ...searchOptionsFrom(config.search),
      seed,
      population,
      generations,
      maxEvaluations: budget,
      referencePoint: reference,
      shouldStop: opts.shouldStop,
      onGeneration(info) {
        history.push({
          generation: info.generation,
          evaluations: info.evaluations,
          hypervolume: info.hypervolume,
        });
        emit({
          type: 'generation',
          time: Date.now(),
          generation: info.generation,
          evaluations: info.evaluations,
          hypervolume: info.hypervolume,
          referencePoint: [...info.referencePoint],
          front: info.front.map((e) => record(candidateOf(problem.key(e.genome)))),
          evaluationsPerSec: evaluator.evaluationsPerSecond,
        });
        generation = info.generation + 1;
      },
    });

    const front = result.front
      .filter((e) => e.violation <= 0)
      .sort((a, b) => a.objectives[0] - b.objectives[0] || a.objectives[1] - b.objectives[1])
      .map((e) => {
        const c = candidateOf(problem.key(e.genome));
        return { ...record(c), arch: c.arch, loss: c.loss };
      });
    const pareto: ParetoFile = {
      version: 1,
      runId: folder.id,
      search: source,
      algorithm,
      seed,
      budget,
      objectives,
      constraints: config.search.constraints,
      referencePoint: result.referencePoint,
      hypervolume: result.hypervolume,
      evaluations: result.evaluations,
      stopReason: result.stopReason,
      history,
      front,
      time: new Date().toISOString(),
    };
    atomicWrite(paretoFileOf(folder), JSON.stringify(pareto, null, 2) + '\n');
    const end: SearchEndEvent = {
      type: 'search-end',
      time: Date.now(),
      status: result.stopReason === 'stopped' ? 'cancelled' : 'completed',
      evaluations: result.evaluations,
      hypervolume: result.hypervolume,
      front: front.map(({ arch: _arch, loss: _loss, ...r }) => r),
      seconds: (Date.now() - t0) / 1000,
      paretoFile: paretoFileOf(folder),
    };
    emit(end);
    return pareto;
  } catch (e) {
    emit({
      type: 'search-end',
      time: Date.now(),
      status: 'failed',
      evaluations: 0,
      hypervolume: 0,
      front: [],
      seconds: (Date.now() - t0) / 1000,
      message: (e as Error).message,
    });
    throw e;
  } finally {
    store.close();
    log.close();
    net.dispose();
  }
}
