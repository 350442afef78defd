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
 * events.jsonl: one event a line, appended with a single write per line. A process
 * killed mid-write can leave a torn last line; `repairTail` cuts it off before a
 * resumed run appends, and `readEvents` skips anything that does not parse.
 */
export class EventLog {
  private fd: number;

  constructor(readonly file: string) {
    if (existsSync(file)) repairTail(file);
    this.fd = openSync(file, 'a');
  }

  append(e: EngineEvent): void {
    writeSync(this.fd, JSON.stringify(e) + '\n');
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
