import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { exportKeyOf, RunPaths } from './layout';
import { lockHeld, parseLock } from './runLock';
import { sortRuns, summarise, type RunSummary, type RunTexts } from './summarise';

const readText = (file: string): Promise<string | undefined> =>
  readFile(file, 'utf8').catch(() => undefined);

/** The texts of a run folder that `summarise` reads. */
export async function readRunTexts(dir: string): Promise<RunTexts> {
  const p = new RunPaths(dir);
  const [meta, events, candidates, exported, lock] = await Promise.all([
    readText(p.metaFile),
    readText(p.eventsFile),
    readText(p.candidatesFile),
    readdir(p.exportsDir).catch(() => [] as string[]),
    readText(p.lockFile),
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
