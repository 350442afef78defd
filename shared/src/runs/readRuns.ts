import { existsSync } from 'node:fs';
import { readRunText, readRunTextSync } from '../runFolder/safeRead';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { exportKeyOf, RunPaths } from '../runFolder/layout';
import { atomicWrite } from '../runFolder/durable';
import { parseRunMeta } from '../runFolder/records';
import { acquireLock, lockHeld, parseLock } from '../runFolder/runLock';
import { parseEngineEvent } from '../protocol/engine';
import { foldJsonLinesFile } from '../runFolder/appendLog';
import { eventsDigest, sortRuns, summarise, type EventsDigest, type RunTexts } from './summarise';
import type { RunSummary } from '../runFolder/runSummary';

/** events.jsonl folded line by line: a long run's log may be larger than one string. */
async function readEventsDigest(file: string): Promise<EventsDigest | undefined> {
  const fold = eventsDigest();
  const read = await foldJsonLinesFile(file, parseEngineEvent, fold.add);
  if (!read) return undefined;
  // Lines that hold no event still say the run started (a garbled log).
  return { ...fold.digest, nonEmpty: fold.digest.nonEmpty || read.skipped > 0 };
}

/** The texts of a run folder that `summarise` reads. */
export async function readRunTexts(dir: string): Promise<RunTexts> {
  const p = new RunPaths(dir);
  const [meta, events, candidates, exported, lock] = await Promise.all([
    readRunText(p.metaFile),
    readEventsDigest(p.eventsFile),
    readRunText(p.candidatesFile),
    readdir(p.exportsDir).catch(() => [] as string[]),
    readRunText(p.lockFile),
  ]);
  return {
    ...(meta !== undefined ? { meta } : {}),
    ...(events !== undefined ? { events } : {}),
    ...(candidates !== undefined ? { candidates } : {}),
    hasPareto: existsSync(p.paretoFile),
    exports: exported.filter((n) => exportKeyOf(n) !== undefined).length,
    writerAlive: lockHeld(parseLock(lock)),
  };
}

/** One run folder's summary, or undefined when the folder holds no run. */
export async function readRunSummary(dir: string): Promise<RunSummary | undefined> {
  return summarise(dir, path.basename(dir), await readRunTexts(dir));
}

/** Every run in `runsDir`, newest first; a missing folder has none. */
export async function listRuns(runsDir: string): Promise<RunSummary[]> {
  let names: string[];
  try {
    const entries = await readdir(runsDir, { withFileTypes: true });
    names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const all = await Promise.all(names.map((n) => readRunSummary(path.join(runsDir, n))));
  return sortRuns(all.filter((r): r is RunSummary => r !== undefined));
}

/**
 * A run that says `running` in run.json while no live process holds its lock (the engine
 * was killed and could not write its end) is shown as interrupted; this makes run.json
 * say so too, at the step its events reached. Under the run's lock, taken and released
 * here, so a writer that has just started is never overtaken. Returns whether it wrote.
 */
export function settleInterrupted(run: RunSummary): boolean {
  if (run.status !== 'interrupted') return false;
  const p = new RunPaths(run.dir);
  const says = (): { raw: unknown; running: boolean } => {
    const raw: unknown = JSON.parse(readRunTextSync(p.metaFile) ?? 'null');
    return { raw, running: parseRunMeta(raw)?.status === 'running' };
  };
  // Most listings find nothing to settle: look before taking the lock.
  try {
    if (!says().running) return false;
  } catch {
    return false;
  }
  const lock = acquireLock(p.lockFile, 'settle');
  if (!lock.ok) return false;
  try {
    const { raw, running } = says();
    if (!running) return false;
    const settled = {
      ...(raw as object),
      status: 'interrupted',
      ...(run.step !== undefined ? { step: run.step } : {}),
    };
    atomicWrite(p.metaFile, JSON.stringify(settled, null, 2) + '\n');
    return true;
  } catch {
    // No run.json, or not JSON: nothing to make agree.
    return false;
  } finally {
    lock.release();
  }
}
