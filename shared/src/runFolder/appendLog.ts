import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import { writeFully } from './durable';
import { parseJsonLines } from './jsonl';

/**
 * An append-only JSON-lines file, one write per line. A torn last line (a process killed
 * mid-write) is cut off before new lines are appended.
 */
export class AppendLog<T> {
  private fd: number;

  constructor(readonly file: string) {
    if (existsSync(file)) repairTail(file);
    this.fd = openSync(file, 'a');
  }

  append(record: T): void {
    writeFully(this.fd, Buffer.from(JSON.stringify(record) + '\n', 'utf8'), this.file);
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

/** The records of a JSON-lines file; a missing file has none. */
export function readJsonLinesFile<T>(file: string, check: (x: unknown) => T | undefined): T[] {
  if (!existsSync(file)) return [];
  return parseJsonLines(readFileSync(file, 'utf8'), check).records;
}
