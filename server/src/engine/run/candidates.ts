import { existsSync, readFileSync } from 'node:fs';
import type { Arch } from '../../space/arch';
import { AppendLog } from './eventLog';

/** One evaluated subnet, as candidates.jsonl stores it. */
export interface Candidate {
  key: string;
  arch: Arch;
  accuracy: number;
  loss: number;
  flops: number;
  params: number;
  /** Median ms of one image in onnxruntime-node, when measured. */
  latency?: number;
  /** The checkpoint step whose weights were evaluated: a resumed run's older figures are stale. */
  checkpointStep?: number;
  /** Which search and generation first evaluated it. */
  source: string;
  generation: number;
  time: number;
}

/**
 * candidates.jsonl: every subnet a search evaluated, one a line. A restarted search
 * reads it back so no subnet is evaluated twice; torn lines are skipped.
 */
export class CandidateStore {
  readonly byKey = new Map<string, Candidate>();
  private readonly writer: AppendLog;

  constructor(readonly file: string) {
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const c = JSON.parse(line) as Candidate;
          if (typeof c.key === 'string' && typeof c.accuracy === 'number') this.byKey.set(c.key, c);
        } catch {
          // A torn last line from a killed search.
        }
      }
    }
    this.writer = new AppendLog(file);
  }

  get(key: string): Candidate | undefined {
    return this.byKey.get(key);
  }

  add(c: Candidate): void {
    this.byKey.set(c.key, c);
    this.writer.appendLine(JSON.stringify(c));
  }

  close(): void {
    this.writer.close();
  }
}
