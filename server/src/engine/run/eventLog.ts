import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { isEngineEvent, type EngineEvent } from '../../protocol/engine';

/**
 * An append-only file of lines (events.jsonl, candidates.jsonl), one write per line.
 * A process killed mid-write can leave a torn last line: it is cut off before new
 * lines are appended, and readers skip anything that does not parse.
 */
export class AppendLog {
  private fd: number;

  constructor(readonly file: string) {
    if (existsSync(file)) repairTail(file);
    this.fd = openSync(file, 'a');
  }

  appendLine(line: string): void {
    writeSync(this.fd, line + '\n');
  }

  /** Flush to disk (at checkpoints, so the log is at least as new as the checkpoint). */
  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** events.jsonl of a run. */
export class EventLog extends AppendLog {
  append(e: EngineEvent): void {
    this.appendLine(JSON.stringify(e));
  }
}

/** Cut a file back to its last complete line. Returns the bytes removed. */
export function repairTail(file: string): number {
  const buf = readFileSync(file);
  if (buf.length === 0 || buf[buf.length - 1] === 0x0a) return 0;
  const keep = buf.lastIndexOf(0x0a) + 1;
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, keep);
  } finally {
    closeSync(fd);
  }
  return buf.length - keep;
}

/** Every well-formed event of a log; torn or foreign lines are skipped, never fatal. */
export function readEvents(file: string): EngineEvent[] {
  if (!existsSync(file)) return [];
  const out: EngineEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const e: unknown = JSON.parse(line);
      if (isEngineEvent(e)) out.push(e);
    } catch {
      // A torn line from a killed run: skipped.
    }
  }
  return out;
}
