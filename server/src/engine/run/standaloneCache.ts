import { AppendLog, readJsonLinesFile } from '#shared/runFolder/appendLog';
import type { TrainedAlone } from '../execute/executor';

/** One subnet trained alone: what `recipe` (queueJobs.recipeOf) and `epochs` gave it. */
export interface StandaloneRecord extends TrainedAlone {
  recipe: string;
  key: string;
  epochs: number;
  time: string;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function parseRecord(x: unknown): StandaloneRecord | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const r = x as Record<string, unknown>;
  if (typeof r.recipe !== 'string' || typeof r.key !== 'string' || !isNum(r.epochs))
    return undefined;
  if (!isNum(r.accuracy) || r.accuracy < 0 || r.accuracy > 1 || !isNum(r.loss)) return undefined;
  if (!isNum(r.images) || r.images < 0 || !isNum(r.seconds) || r.seconds < 0) return undefined;
  return {
    recipe: r.recipe,
    key: r.key,
    epochs: r.epochs,
    accuracy: r.accuracy,
    loss: r.loss,
    images: r.images,
    seconds: r.seconds,
    time: typeof r.time === 'string' ? r.time : '',
    ...(typeof r.worker === 'string' ? { worker: r.worker } : {}),
  };
}

/**
 * The run's stand-alone trainings (standalone.jsonl): a ranking check takes a subnet
 * trained before with the same recipe and epochs from here instead of training it again,
 * so a stopped check resumes where it was and a larger K adds only the new subnets. Each
 * training is appended as it finishes; a torn last line (a killed engine) is skipped.
 */
export class StandaloneCache {
  private readonly known = new Map<string, StandaloneRecord>();
  private log: AppendLog<StandaloneRecord> | undefined;

  constructor(
    private readonly file: string,
    private readonly recipe: string,
  ) {
    for (const r of readJsonLinesFile(file, parseRecord))
      if (r.recipe === recipe) this.known.set(StandaloneCache.field(r.key, r.epochs), r);
  }

  private static field = (key: string, epochs: number): string => `${key}@${epochs}`;

  get(key: string, epochs: number): TrainedAlone | undefined {
    return this.known.get(StandaloneCache.field(key, epochs));
  }

  add(key: string, epochs: number, result: TrainedAlone): void {
    const record: StandaloneRecord = {
      recipe: this.recipe,
      key,
      epochs,
      ...result,
      time: new Date().toISOString(),
    };
    this.log ??= new AppendLog<StandaloneRecord>(this.file);
    this.log.append(record);
    this.log.sync();
    this.known.set(StandaloneCache.field(key, epochs), record);
  }

  close(): void {
    this.log?.close();
  }
}
