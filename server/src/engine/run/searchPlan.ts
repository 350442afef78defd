import type { SupernetConfig } from '../../config/configSchema';
import type { Constraint } from '#shared/constraints';
import type { Objective } from '#shared/metrics';
import type { SearchCommand } from '#shared/protocol/engine';
import { constraintsOf, devicesNeeded, needsLatency, objectivesOf } from '../search/objectives';

/** What one search does: the config's `search:` section with the command's overrides. */
export interface SearchPlan {
  algorithm: 'nsga2' | 'random';
  seed: number;
  population: number;
  generations: number;
  /** Most subnets to evaluate. */
  budget: number;
  objectives: Objective[];
  constraints: Constraint[];
  /** Whether every subnet's latency on this machine is measured (an objective or a constraint names it). */
  latency: boolean;
  /** The devices whose latency every subnet needs (`latency@NAME`). */
  devices: string[];
  /** Whether offspring are screened by an accuracy predictor (NSGA-II only). */
  predictor: 'none' | 'linas';
}

export function searchPlan(cmd: SearchCommand, config: SupernetConfig): SearchPlan {
  const objectives = objectivesOf(config.search);
  const constraints = constraintsOf(config.search);
  const population = cmd.population ?? config.search.population;
  const budget = cmd.budget ?? population * (cmd.generations ?? config.search.generations);
  // An explicit budget is the stopping rule: generations that find few new subnets
  // (duplicates are evaluated once) must not end the search before it is spent.
  const generations =
    cmd.budget !== undefined
      ? Math.max(cmd.generations ?? 0, budget)
      : Math.max(cmd.generations ?? config.search.generations, Math.ceil(budget / population));
  return {
    algorithm: cmd.algorithm ?? (config.search.algorithm === 'random' ? 'random' : 'nsga2'),
    seed: cmd.seed ?? config.search.seed,
    population,
    generations,
    budget,
    objectives,
    constraints,
    latency: needsLatency(objectives, constraints),
    devices: devicesNeeded(objectives, constraints),
    predictor: cmd.predictor ?? (config.search.predictor === 'linas' ? 'linas' : 'none'),
  };
}
