import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseCandidates } from '../tree/runTreeModel';
import {
  addCandidate,
  appendEvents,
  applyParetoFile,
  emptyModel,
  objectivesFromConfig,
  parseEventLines,
  type RunChartModel,
} from './chartModel';

/**
 * Builds a run's chart model from its folder, which is the source of truth: a finished
 * run, a run of an earlier session and a window reload all draw the same charts.
 * No `vscode`, so it is tested on real folders.
 */

const readText = (file: string): Promise<string | undefined> =>
  readFile(file, 'utf8').catch(() => undefined);

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface RunFolderModel {
  model: RunChartModel;
  /** Lines of the jsonl files that were not events or candidates (a torn last line…). */
  skippedLines: number;
}

export async function readRunFolder(runDir: string): Promise<RunFolderModel> {
  const read = (name: string) => readText(path.join(runDir, name));
  const [runJson, config, events, searchEvents, candidates, pareto] = await Promise.all([
    read('run.json'),
    read('config.yaml'),
    read('events.jsonl'),
    read('search-events.jsonl'),
    read('candidates.jsonl'),
    read('pareto.json'),
  ]);
  const run = parseJson(runJson) as { id?: unknown; status?: unknown; totalSteps?: unknown };
  const runId = typeof run?.id === 'string' ? run.id : path.basename(runDir);
  const model = emptyModel(runId);
  if (typeof run?.status === 'string') model.status = run.status;
  if (typeof run?.totalSteps === 'number') model.totalSteps = run.totalSteps;

  // The config gives the objectives and constraints before any search ran; the search's
  // own events and pareto.json, applied after, override them with what it actually used.
  const search = configSearchSection(config);
  const objectives = objectivesFromConfig(search);
  if (objectives) model.search.objectives = objectives;
  const constraints = (search as { constraints?: unknown } | undefined)?.constraints;
  if (Array.isArray(constraints) && constraints.every((c) => typeof c === 'string'))
    model.search.constraints = constraints;

  let skippedLines = 0;
  if (candidates !== undefined) {
    const parsed = parseCandidates(candidates);
    skippedLines += parsed.skipped;
    for (const row of parsed.rows) addCandidate(model.search, row);
  }
  for (const text of [events, searchEvents]) {
    if (text === undefined) continue;
    const parsed = parseEventLines(text);
    skippedLines += parsed.skipped;
    appendEvents(model, parsed.events);
  }
  applyParetoFile(model, parseJson(pareto));
  // run.json is rewritten at the end of a run; the events may stop short of it.
  if (typeof run?.status === 'string') model.status = run.status;
  return { model, skippedLines };
}

function configSearchSection(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    const doc: unknown = parseYaml(text);
    return typeof doc === 'object' && doc !== null
      ? (doc as Record<string, unknown>).search
      : undefined;
  } catch {
    return undefined;
  }
}
