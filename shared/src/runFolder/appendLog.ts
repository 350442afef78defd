import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
} from 'node:fs';
import { writeFully } from './durable';
import { parseJsonLine } from './jsonl';
import { forEachLine, forEachLineSync } from './lineReader';

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

/**
 * Cut a file back to its last complete line. Returns the bytes removed. Reads back from the
 * end only as far as the last newline: the log may be far larger than memory allows.
 */
export function repairTail(file: string): number {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    let keep = 0;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      if (end === size && n > 0 && chunk[n - 1] === 0x0a) return 0;
      const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (nl >= 0) {
        keep = start + nl + 1;
        break;
      }
      end = start;
    }
    if (keep === size) return 0;
    ftruncateSync(fd, keep);
    return size - keep;
  } finally {
    closeSync(fd);
  }
}

/** The records of a JSON-lines file, read line by line; a missing file has none. */
export function readJsonLinesFile<T>(file: string, check: (x: unknown) => T | undefined): T[] {
  if (!existsSync(file)) return [];
  const records: T[] = [];
  forEachLineSync(file, (line) => {
    const r = parseJsonLine(line, check);
    if (r !== undefined && r !== 'blank') records.push(r);
  });
  return records;
}

/**
 * Folds the records of a JSON-lines file, line by line, without holding them all: the
 * readers of a long run's events keep only what they summarise. Resolves to the number
 * of lines that were not records (torn, garbled, oversized); undefined for a missing file.
 */
export async function foldJsonLinesFile<T>(
  file: string,
  check: (x: unknown) => T | undefined,
  onRecord: (record: T) => void,
): Promise<{ skipped: number } | undefined> {
  let skipped = 0;
  try {
    const counts = await forEachLine(file, (line) => {
      const r = parseJsonLine(line, check);
      if (r === undefined) skipped++;
      else if (r !== 'blank') onRecord(r);
    });
    return { skipped: skipped + counts.oversized };
  } catch {
    return undefined;
  }
}
