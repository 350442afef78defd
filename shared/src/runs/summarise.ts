import { parseEngineEvent, type EngineEvent } from '../protocol/engine';
import { lastByKey, parseJsonLines, parseJsonText } from '../runFolder/jsonl';
import { parseCandidate, parseRunMeta, type RunStatus } from '../runFolder/records';
import type { RunSummary } from '../runFolder/runSummary';

/** The texts of a run folder that a summary reads; undefined for a missing file. */
export interface RunTexts {
  meta?: string;
  /** events.jsonl's text, or its digest where it was read line by line (a file of any size). */
  events?: string | EventsDigest;
  candidates?: string;
  hasPareto: boolean;
  /** ONNX files in exports/. */
  exports?: number;
  /** Whether a live process holds run.lock (runLock.ts): only then is a run running. */
  writerAlive?: boolean;
}

/** What a summary takes from a run's events. */
export interface EventsDigest {
  /** Whether the log has any line at all (a run that started). */
  nonEmpty: boolean;
  configPath?: string;
  backend?: string;
  totalSteps?: number;
  step?: number;
  bestAccuracy?: number;
  created?: string;
  ended?: RunStatus;
}

/** Folds events into a digest, one at a time: a reader never needs to hold the whole log. */
export function eventsDigest(): { add(e: EngineEvent): void; readonly digest: EventsDigest } {
  const d: EventsDigest = { nonEmpty: false };
  return {
    digest: d,
    add(e) {
      d.nonEmpty = true;
      if (e.type === 'run-start') {
        d.configPath = e.configPath;
        d.backend = e.backend;
        d.totalSteps = e.totalSteps;
        d.created ??= new Date(e.time).toISOString();
        d.ended = undefined; // a resumed run is running again until its next run-end
      } else if (e.type === 'step') d.step = e.step;
      else if (e.type === 'epoch' && Number.isFinite(e.largest.accuracy))
        d.bestAccuracy = Math.max(d.bestAccuracy ?? e.largest.accuracy, e.largest.accuracy);
      else if (e.type === 'run-end') {
        d.ended = e.status;
        d.step = e.step;
      }
    },
  };
}

function digestOfText(text: string): EventsDigest {
  const fold = eventsDigest();
  for (const e of parseJsonLines(text, parseEngineEvent).records) fold.add(e);
  // Text that holds no event still says the run started (a garbled log).
  return { ...fold.digest, nonEmpty: text.trim() !== '' };
}

/**
 * A run from its folder's texts, or undefined when the folder holds no run. Events are
 * written every step and run.json only at the start and the end, so the events win where
 * both speak: the status is the last run-end after the last run-start; without one,
 * run.json's status (a driver marks a crashed run failed there); else running.
 */
export function summarise(dir: string, id: string, t: RunTexts): RunSummary | undefined {
  const meta = parseRunMeta(parseJsonText(t.meta));
  if (!meta && t.events === undefined) return undefined;
  const d =
    t.events === undefined
      ? { nonEmpty: false }
      : typeof t.events === 'string'
        ? digestOfText(t.events)
        : t.events;
  const said = d.ended ?? meta?.status ?? (d.nonEmpty ? 'running' : undefined);
  const summary: RunSummary = {
    id,
    dir,
    configPath: meta?.configPath ?? d.configPath ?? '',
    status: said === 'running' && !t.writerAlive ? 'interrupted' : (said ?? 'unknown'),
    candidates: lastByKey(parseJsonLines(t.candidates, parseCandidate).records).size,
    hasPareto: t.hasPareto,
    exports: t.exports ?? 0,
  };
  const b = meta?.backend ?? d.backend;
  if (b) summary.backend = b;
  const s = d.step ?? meta?.step;
  if (s !== undefined) summary.step = s;
  const total = d.totalSteps ?? meta?.totalSteps;
  if (total !== undefined) summary.totalSteps = total;
  if (d.bestAccuracy !== undefined) summary.bestAccuracy = d.bestAccuracy;
  // run.json's `created` is the first start; the first run-start backs it up.
  const c = meta?.created ?? d.created;
  if (c) summary.created = c;
  return summary;
}

/** Newest first: run ids start with their creation time, which breaks ties in `created`. */
export function sortRuns(runs: readonly RunSummary[]): RunSummary[] {
  return [...runs].sort(
    (a, b) => (b.created ?? '').localeCompare(a.created ?? '') || b.id.localeCompare(a.id),
  );
}
