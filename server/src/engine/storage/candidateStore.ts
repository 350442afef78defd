import { AppendLog, readJsonLinesFile } from '#shared/runFolder/appendLog';
import { parseCandidate, type Candidate } from '#shared/runFolder/records';

/**
 * candidates.jsonl: every subnet a search evaluated, one a line. A restarted search
 * reads it back so no subnet is evaluated twice; a key written again (a re-evaluation on
 * newer weights) replaces the earlier line.
 */
export class CandidateStore {
  readonly byKey = new Map<string, Candidate>();
  private readonly writer: AppendLog<Candidate>;

  constructor(readonly file: string) {
    for (const c of readJsonLinesFile(file, parseCandidate)) this.byKey.set(c.key, c);
    this.writer = new AppendLog<Candidate>(file);
  }

  get(key: string): Candidate | undefined {
    return this.byKey.get(key);
  }

  add(c: Candidate): void {
    this.byKey.set(c.key, c);
    this.writer.append(c);
  }

  close(): void {
    this.writer.close();
  }
}
