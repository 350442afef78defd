import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { atomicWrite } from '#shared/runFolder/durable';
import { RunPaths } from '#shared/runFolder/layout';
import { parseRunMeta, RUN_FORMAT, type RunMeta } from '#shared/runFolder/records';
import { RunError } from '../runError';

/** A run folder as the engine writes it: creates, finds, reads and rewrites its files. */
export class RunFolder extends RunPaths {
  /** A new run folder named `<yyyymmdd-hhmmss>-<name>` (with a suffix if taken). */
  static create(runsDir: string, name: string, now = new Date()): RunFolder {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const safe = folderName(name);
    let dir = path.join(runsDir, `${stamp}-${safe}`);
    for (let i = 2; existsSync(dir); i++) dir = path.join(runsDir, `${stamp}-${safe}-${i}`);
    const folder = new RunFolder(dir);
    mkdirSync(path.dirname(folder.checkpointFile), { recursive: true });
    return folder;
  }

  /**
   * A run by id, or by the path of its folder, which must be in `runsDir`: a job writes
   * only inside the runs folder it was given, whatever a path argument says.
   */
  static open(runsDir: string, id: string): RunFolder {
    const isPath = path.isAbsolute(id) || id.includes('/') || id.includes(path.sep);
    const dir = isPath ? path.resolve(id) : path.join(runsDir, id);
    const rel = path.relative(path.resolve(runsDir), dir);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel) || rel.includes(path.sep))
      throw new RunError(
        `${isPath ? dir : `'${id}'`} is not a run of the runs folder ${runsDir}` +
          (isPath ? ` (give --runs ${path.dirname(dir)} to use the runs there).` : '.'),
      );
    if (!existsSync(dir)) throw new RunError(`No run '${id}' in ${runsDir}`);
    return new RunFolder(dir);
  }

  /**
   * What the user named: a run id or folder, or a config file (then its newest run with a
   * checkpoint in `runsDir`).
   */
  static find(runOrConfig: string, runsDir: string): RunFolder {
    const asPath = path.resolve(runOrConfig);
    if (existsSync(asPath) && /\.supernet\.ya?ml$/.test(asPath)) {
      const runs = existsSync(runsDir)
        ? readdirSync(runsDir)
            .map((id) => new RunFolder(path.join(runsDir, id)))
            .filter((f) => f.readMeta()?.configPath === asPath && existsSync(f.checkpointFile))
            .sort((a, b) => (a.id < b.id ? 1 : -1))
        : [];
      if (!runs.length) {
        throw new RunError(
          `No trained run of ${asPath} in ${runsDir}: train it first (supernet train ${runOrConfig}).`,
        );
      }
      return runs[0];
    }
    return RunFolder.open(runsDir, runOrConfig);
  }

  /** run.json's valid fields; undefined when it is missing or not JSON. */
  readMeta(): Partial<RunMeta> | undefined {
    try {
      return parseRunMeta(JSON.parse(readFileSync(this.metaFile, 'utf8')));
    } catch {
      return undefined;
    }
  }

  writeMeta(meta: RunMeta): void {
    atomicWrite(this.metaFile, JSON.stringify({ format: RUN_FORMAT, ...meta }, null, 2) + '\n');
  }
}

/**
 * The most characters a run's name keeps in its folder name. A file name may have 255 bytes;
 * the stamp, a suffix and the files inside a run must fit too, and a run id this long is
 * still readable in a tree view.
 */
export const MAX_FOLDER_NAME_CHARS = 64;

/**
 * A run's name as a folder name: characters safe on every file system, and at most
 * MAX_FOLDER_NAME_CHARS of them. A longer name keeps its start and a hash of the whole, so
 * two long names that differ only at their end still get different folders.
 */
export function folderName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  if (safe.length <= MAX_FOLDER_NAME_CHARS) return safe;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const start = safe.slice(0, MAX_FOLDER_NAME_CHARS - hash.length - 1).replace(/-+$/, '');
  return `${start}-${hash}`;
}
