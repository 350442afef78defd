import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isEngineEvent } from '../protocol/engine';
import type { RunSummary } from '../protocol/lsp';

/** run.json as the engine writes it; every field is checked before use. */
type Meta = Record<string, unknown>;

const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const num = (x: unknown): number | undefined =>
  typeof x === 'number' && Number.isFinite(x) ? x : undefined;
const STATUSES: RunSummary['status'][] = ['running', 'completed', 'cancelled', 'failed'];

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Parses each line of a JSON-lines file that parses. A process killed mid-write leaves a
 * torn last line, and a disk hiccup can garble one: they are skipped, never fatal.
 */
function jsonLines(text: string | undefined): unknown[] {
  const out: unknown[] = [];
  for (const line of (text ?? '').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // skipped: see above
    }
  }
  return out;
}

async function readMeta(dir: string): Promise<Meta | undefined> {
  const text = await readText(path.join(dir, 'run.json'));
  if (text === undefined) return undefined;
  try {
    const m: unknown = JSON.parse(text);
    return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Meta) : undefined;
  } catch {
    return undefined;
  }
}

/** One run folder, or undefined when the folder holds no run. */
export async function summariseRun(dir: string): Promise<RunSummary | undefined> {
  const [meta, eventsText, candidatesText] = await Promise.all([
    readMeta(dir),
    readText(path.join(dir, 'events.jsonl')),
    readText(path.join(dir, 'candidates.jsonl')),
  ]);
  if (!meta && eventsText === undefined) return undefined;

  let configPath: string | undefined;
  let backend: string | undefined;
  let totalSteps: number | undefined;
  let step: number | undefined;
  let bestAccuracy: number | undefined;
  let created: string | undefined;
  let ended: RunSummary['status'] | undefined;
  for (const e of jsonLines(eventsText)) {
    if (!isEngineEvent(e)) continue;
    if (e.type === 'run-start') {
      configPath = e.configPath;
      backend = e.backend;
      totalSteps = e.totalSteps;
      created ??= new Date(e.time).toISOString();
      // A resumed run is running again until its next run-end.
      ended = undefined;
    } else if (e.type === 'step') step = e.step;
    else if (e.type === 'epoch') {
      const acc = num(e.largest.accuracy);
      if (acc !== undefined) bestAccuracy = Math.max(bestAccuracy ?? acc, acc);
    } else if (e.type === 'run-end') {
      ended = STATUSES.includes(e.status) ? e.status : 'unknown';
      step = e.step;
    }
  }
  const metaStatus = STATUSES.find((s) => s === meta?.status);
  const summary: RunSummary = {
    id: path.basename(dir),
    dir,
    configPath: str(meta?.configPath) ?? configPath ?? '',
    status: ended ?? metaStatus ?? (eventsText?.trim() ? 'running' : 'unknown'),
    candidates: jsonLines(candidatesText).length,
    hasPareto: existsSync(path.join(dir, 'pareto.json')),
  };
  const b = str(meta?.backend) ?? backend;
  if (b) summary.backend = b;
  // Events are written every step, run.json only at the start and the end: events win.
  const s = step ?? num(meta?.step);
  if (s !== undefined) summary.step = s;
  const t = totalSteps ?? num(meta?.totalSteps);
  if (t !== undefined) summary.totalSteps = t;
  if (bestAccuracy !== undefined) summary.bestAccuracy = bestAccuracy;
  // run.json's `created` is rewritten by each resume; the first run-start is the real one.
  const c = created ?? str(meta?.created);
  if (c) summary.created = c;
  return summary;
}

/** Every run in `runsDir`, newest first; a missing folder has none. */
export async function readRunSummaries(runsDir: string): Promise<RunSummary[]> {
  let names: string[];
  try {
    const entries = await readdir(runsDir, { withFileTypes: true });
    names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const all = await Promise.all(names.map((n) => summariseRun(path.join(runsDir, n))));
  const runs = all.filter((r): r is RunSummary => r !== undefined);
  // Folder names start with a UTC time stamp, so they break ties (and order runs without one).
  return runs.sort(
    (a, b) => (b.created ?? '').localeCompare(a.created ?? '') || b.id.localeCompare(a.id),
  );
}
