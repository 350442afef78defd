import { readdir } from 'node:fs/promises';
import { readRunText } from '#shared/runFolder/safeRead';
import { parseYamlSafely } from '#shared/yamlParse';
import { parseEngineEvent, type EngineEvent } from '#shared/protocol/engine';
import { foldJsonLinesFile } from '#shared/runFolder/appendLog';
import { parseJsonLines, parseJsonText } from '#shared/runFolder/jsonl';
import { RunPaths } from '#shared/runFolder/layout';
import { parseCandidate, parseFinetuneResult } from '#shared/runFolder/records';
import { applyFinetuneResult, emptyFinetunes } from '#shared/charts/finetuneModel';
import { lockHeld, parseLock } from '#shared/runFolder/runLock';
import { eventsDigest, summarise } from '#shared/runs/summarise';
import {
  addCandidate,
  appendEvents,
  applyParetoFile,
  emptyModel,
  objectivesFromConfig,
  type RunChartModel,
} from '#shared/charts/chartModel';
import { applyRankFile } from '#shared/charts/rankingModel';

/**
 * Builds a run's chart model from its folder, which is the source of truth: a finished
 * run, a run of an earlier session and a window reload all draw the same charts.
 * No `vscode`, so it is tested on real folders.
 */

export interface RunFolderModel {
  model: RunChartModel;
  /** Lines of the jsonl files that were not events or candidates (a torn last line…). */
  skippedLines: number;
}

export async function readRunFolder(runDir: string): Promise<RunFolderModel> {
  const run = new RunPaths(runDir);
  const [meta, config, searchEvents, candidates, pareto, rank, lock] = await Promise.all([
    readRunText(run.metaFile),
    readRunText(run.configFile),
    readRunText(run.searchEventsFile),
    readRunText(run.candidatesFile),
    readRunText(run.paretoFile),
    readRunText(run.rankFile),
    readRunText(run.lockFile),
  ]);
  const model = emptyModel(run.id);

  // The config gives the objectives and constraints before any search ran; the search's
  // own events and pareto.json, applied after, override them with what it actually used.
  const search = configSearchSection(config);
  const objectives = objectivesFromConfig(search);
  if (objectives) model.search.objectives = objectives;
  const constraints = (search as { constraints?: unknown } | undefined)?.constraints;
  if (Array.isArray(constraints) && constraints.every((c) => typeof c === 'string'))
    model.search.constraints = constraints;

  let skippedLines = 0;
  const parsed = parseJsonLines(candidates, parseCandidate);
  skippedLines += parsed.skipped;
  for (const c of parsed.records) addCandidate(model.search, c);
  // The training's events line by line, in batches: a long run's log may be larger than
  // one string can be. The summary's digest is folded from the same pass.
  const digest = eventsDigest();
  let batch: EngineEvent[] = [];
  const read = await foldJsonLinesFile(run.eventsFile, parseEngineEvent, (e) => {
    digest.add(e);
    batch.push(e);
    if (batch.length >= 4096) {
      appendEvents(model, batch);
      batch = [];
    }
  });
  appendEvents(model, batch);
  skippedLines += read?.skipped ?? 0;
  const fromSearch = parseJsonLines(searchEvents, parseEngineEvent);
  skippedLines += fromSearch.skipped;
  appendEvents(model, fromSearch.records);
  skippedLines += await readFinetunes(run, model);
  applyParetoFile(model, parseJsonText(pareto));
  // A ranking check's events are not kept; its rank.json is.
  applyRankFile(model.ranking, parseJsonText(rank));
  // The same status and length the Runs tree shows.
  const summary = summarise(run.dir, run.id, {
    ...(meta !== undefined ? { meta } : {}),
    ...(read
      ? { events: { ...digest.digest, nonEmpty: digest.digest.nonEmpty || read.skipped > 0 } }
      : {}),
    hasPareto: pareto !== undefined,
    writerAlive: lockHeld(parseLock(lock)),
  });
  if (summary) {
    model.status = summary.status;
    if (summary.totalSteps !== undefined) model.totalSteps = summary.totalSteps;
  }
  return { model, skippedLines };
}

/**
 * The run's fine-tunes: each subnet's events (curves, and the result in its end event), then
 * result.json for a completed one whose events are gone. Returns the lines skipped.
 */
async function readFinetunes(run: RunPaths, model: RunChartModel): Promise<number> {
  const keys = await readdir(run.finetuneDir).catch(() => [] as string[]);
  let skipped = 0;
  for (const key of keys.sort()) {
    const paths = run.finetuneOf(key);
    const batch: EngineEvent[] = [];
    const read = await foldJsonLinesFile(paths.eventsFile, parseEngineEvent, (e) => {
      batch.push(e);
    });
    appendEvents(model, batch);
    skipped += read?.skipped ?? 0;
    const result = parseFinetuneResult(parseJsonText(await readRunText(paths.resultFile)));
    if (result) applyFinetuneResult((model.finetune ??= emptyFinetunes()), result);
  }
  return skipped;
}

/**
 * The config's search section, parsed with the project's guards (no deep nesting, no
 * aliases expanded past the parser's limit): the run folder may be anyone's.
 */
function configSearchSection(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    const parsed = parseYamlSafely(text);
    if (!parsed.doc || parsed.doc.errors.length) return undefined;
    const doc: unknown = parsed.doc.toJS({ maxAliasCount: 100 });
    return typeof doc === 'object' && doc !== null
      ? (doc as Record<string, unknown>).search
      : undefined;
  } catch {
    return undefined;
  }
}
