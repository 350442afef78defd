import { AppendLog, readJsonLinesFile } from '#shared/runFolder/appendLog';
import { parseStandaloneRecord, type StandaloneRecord } from '#shared/runFolder/records';
import type { TrainedAlone } from '../execute/executor';

export type { StandaloneRecord };

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
    for (const r of readJsonLinesFile(file, parseStandaloneRecord))
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
