import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs';
import * as path from 'node:path';

/**
 * `.supernet/runs/<run-id>/`: the source of truth of a run.
 *   config.yaml       the config as it was when the run started (resume reads this copy)
 *   run.json          id, source config path, created, status
 *   events.jsonl      every event, one a line
 *   checkpoint/       checkpoint.bin (atomic)
 */
export interface RunMeta {
  id: string;
  configPath: string;
  created: string;
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  backend?: string;
  step?: number;
  totalSteps?: number;
}

export class RunFolder {
  constructor(readonly dir: string) {}

  get id(): string {
    return path.basename(this.dir);
  }
  get configFile(): string {
    return path.join(this.dir, 'config.yaml');
  }
  get eventsFile(): string {
    return path.join(this.dir, 'events.jsonl');
  }
  get checkpointFile(): string {
    return path.join(this.dir, 'checkpoint', 'checkpoint.bin');
  }
  get metaFile(): string {
    return path.join(this.dir, 'run.json');
  }

  /** A new run folder named `<yyyymmdd-hhmmss>-<name>` (with a suffix if taken). */
  static create(runsDir: string, name: string, now = new Date()): RunFolder {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
    let dir = path.join(runsDir, `${stamp}-${safe}`);
    for (let i = 2; existsSync(dir); i++) dir = path.join(runsDir, `${stamp}-${safe}-${i}`);
    mkdirSync(path.join(dir, 'checkpoint'), { recursive: true });
    return new RunFolder(dir);
  }

  static open(runsDir: string, id: string): RunFolder {
    const dir =
      path.isAbsolute(id) || id.includes(path.sep) ? path.resolve(id) : path.join(runsDir, id);
    if (!existsSync(dir)) throw new Error(`No run '${id}' in ${runsDir}`);
    return new RunFolder(dir);
  }

  readMeta(): RunMeta | undefined {
    try {
      return JSON.parse(readFileSync(this.metaFile, 'utf8')) as RunMeta;
    } catch {
      return undefined;
    }
  }

  writeMeta(meta: RunMeta): void {
    atomicWrite(this.metaFile, JSON.stringify(meta, null, 2) + '\n');
  }
}

/** Write a small file so that readers see the old or the new content, never a mix. */
export function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
