import * as path from 'node:path';
import type { ExportPrecision } from '../protocol/engine';

/**
 * The run folder, `<runsFolder>/<run-id>/`: the source of truth of a run. Every chart,
 * tree and summary can be rebuilt from it. These are its only file names.
 */
export const RUN_FILES = {
  /** The config as it was when the run started (resume reads this copy). */
  config: 'config.yaml',
  /** RunMeta: id, source config, created, status (atomic rewrite). */
  meta: 'run.json',
  /** Every training event, one JSON object a line (append-only). */
  events: 'events.jsonl',
  /** Weights, optimizer slots, RNG and sampler state (atomic rewrite). */
  checkpoint: path.join('checkpoint', 'checkpoint.bin'),
  /** Every evaluated subnet, one a line (append-only). */
  candidates: 'candidates.jsonl',
  /** Events of the searches of the run (append-only). */
  searchEvents: 'search-events.jsonl',
  /** The front of the last search (atomic rewrite). */
  pareto: 'pareto.json',
  /** The last ranking check (atomic rewrite). */
  rank: 'rank.json',
  /** Every subnet trained alone for a ranking check, by recipe (append-only). */
  standalone: 'standalone.jsonl',
  /** ONNX exports, `<key>.onnx` with a `<key>.onnx.json` sidecar. */
  exports: 'exports',
  /** The process writing the run (runLock.ts); absent when none is. */
  lock: 'run.lock',
} as const;

export type RunFileName = keyof typeof RUN_FILES;

/** The paths of one run folder's files. */
export class RunPaths {
  constructor(readonly dir: string) {}

  /** The run id: the folder's name (`<yyyymmdd-hhmmss>-<name>`). */
  get id(): string {
    return path.basename(this.dir);
  }
  /** The folder holding this run and its siblings. */
  get runsDir(): string {
    return path.dirname(this.dir);
  }
  file(name: RunFileName): string {
    return path.join(this.dir, RUN_FILES[name]);
  }
  get configFile(): string {
    return this.file('config');
  }
  get metaFile(): string {
    return this.file('meta');
  }
  get eventsFile(): string {
    return this.file('events');
  }
  get checkpointFile(): string {
    return this.file('checkpoint');
  }
  get candidatesFile(): string {
    return this.file('candidates');
  }
  get searchEventsFile(): string {
    return this.file('searchEvents');
  }
  get paretoFile(): string {
    return this.file('pareto');
  }
  get rankFile(): string {
    return this.file('rank');
  }
  get standaloneFile(): string {
    return this.file('standalone');
  }
  get lockFile(): string {
    return this.file('lock');
  }
  get exportsDir(): string {
    return this.file('exports');
  }
  /** Where an export of `key` goes when the user names no file: `<key>.onnx`, `<key>.int8.onnx`. */
  exportFile(key: string, precision: ExportPrecision = 'float32'): string {
    return path.join(this.exportsDir, `${key}${precision === 'int8' ? INT8_SUFFIX : '.onnx'}`);
  }
}

const INT8_SUFFIX = '.int8.onnx';

/** The arch key of an export file in `exports/` (float32 or int8), or undefined for other files. */
export const exportKeyOf = (fileName: string): string | undefined =>
  fileName.endsWith(INT8_SUFFIX)
    ? fileName.slice(0, -INT8_SUFFIX.length)
    : fileName.endsWith('.onnx')
      ? fileName.slice(0, -'.onnx'.length)
      : undefined;

/**
 * A glob, relative to a runs folder, of the files whose change means the Runs tree is out of
 * date: a run's status, its front, its candidates and its exports.
 */
export const RUNS_WATCH_GLOB = `*/{${[RUN_FILES.meta, RUN_FILES.pareto, RUN_FILES.candidates].join(',')},${RUN_FILES.exports}/*.onnx}`;
