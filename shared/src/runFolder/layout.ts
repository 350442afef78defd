import * as path from 'node:path';
import type { ExportPrecision } from '../exportPrecision';

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
  /** Fine-tunes of subnets, one folder per arch key (FINETUNE_FILES). */
  finetune: 'finetune',
} as const;

/** The files of one subnet's fine-tune, `<run>/finetune/<key>/`. */
export const FINETUNE_FILES = {
  /** The fine-tune's events, one JSON object a line (append-only). */
  events: 'events.jsonl',
  /** The subnet's weights and optimizer slots, batches and streams (atomic rewrite). */
  checkpoint: 'checkpoint.bin',
  /** FinetuneResult of the completed fine-tune (atomic rewrite). */
  result: 'result.json',
  /** The process fine-tuning this subnet (runLock.ts); absent when none is. */
  lock: 'finetune.lock',
} as const;

/** The paths of one subnet's fine-tune. */
export class FinetunePaths {
  constructor(readonly dir: string) {}
  get key(): string {
    return path.basename(this.dir);
  }
  get eventsFile(): string {
    return path.join(this.dir, FINETUNE_FILES.events);
  }
  get checkpointFile(): string {
    return path.join(this.dir, FINETUNE_FILES.checkpoint);
  }
  get resultFile(): string {
    return path.join(this.dir, FINETUNE_FILES.result);
  }
  get lockFile(): string {
    return path.join(this.dir, FINETUNE_FILES.lock);
  }
}

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
  /** Where an export of `key` goes when the user names no file: `<key>.onnx`, `<key>.finetuned.onnx`, `<key>.int8.onnx`, `<key>.finetuned.int8.onnx`. */
  exportFile(key: string, o: { precision?: ExportPrecision; finetuned?: boolean } = {}): string {
    return path.join(
      this.exportsDir,
      `${key}${o.finetuned ? FINETUNED_SUFFIX : ''}${o.precision === 'int8' ? INT8_SUFFIX : ''}.onnx`,
    );
  }
  /** The folder of every fine-tune of the run. */
  get finetuneDir(): string {
    return this.file('finetune');
  }
  /** The files of the fine-tune of subnet `key`. */
  finetuneOf(key: string): FinetunePaths {
    return new FinetunePaths(path.join(this.finetuneDir, key));
  }
}

/** What an export of fine-tuned weights adds to the key in its file name. */
export const FINETUNED_SUFFIX = '.finetuned';
/** What an int8 export adds to the key in its file name. */
const INT8_SUFFIX = '.int8';

/** The arch key of an export file in `exports/` (either weights, either precision), or undefined for other files. */
export const exportKeyOf = (fileName: string): string | undefined => {
  if (!fileName.endsWith('.onnx')) return undefined;
  let stem = fileName.slice(0, -'.onnx'.length);
  if (stem.endsWith(INT8_SUFFIX)) stem = stem.slice(0, -INT8_SUFFIX.length);
  return stem.endsWith(FINETUNED_SUFFIX) ? stem.slice(0, -FINETUNED_SUFFIX.length) : stem;
};

/**
 * A glob, relative to a runs folder, of the files whose change means the Runs tree is out of
 * date: a run's status, its front, its candidates, its exports and its fine-tunes.
 */
export const RUNS_WATCH_GLOB = `*/{${[RUN_FILES.meta, RUN_FILES.pareto, RUN_FILES.candidates].join(',')},${RUN_FILES.exports}/*.onnx,${RUN_FILES.finetune}/*/${FINETUNE_FILES.result}}`;
