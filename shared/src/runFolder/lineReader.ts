import { closeSync, readSync } from 'node:fs';
import { openRegular, openRegularSync } from './safeRead';

/**
 * Reads a text file line by line in fixed-size chunks, so that a file of any size (a
 * months-long run's events.jsonl of 600 MB and more) is read in bounded memory: a whole
 * file read as one string stops at V8's string limit (~512 MB). A line longer than
 * `maxLineBytes` is no record any writer of the run folder makes (garbage, or a file that
 * is not ours): it is skipped and counted, never held in memory whole.
 */

/** Longer than any line a run folder's writers make (an epoch event with its ranking is a few KiB). */
export const MAX_LINE_BYTES = 1 << 20;
const CHUNK_BYTES = 1 << 20;

export interface LineCounts {
  /** Lines handed to `onLine`. */
  lines: number;
  /** Lines over the bound, skipped. */
  oversized: number;
}

/** Splits chunks into lines; the caller feeds it bytes and ends it once. */
class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private dropping = false;
  readonly counts: LineCounts = { lines: 0, oversized: 0 };

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes: number,
  ) {}

  push(chunk: Buffer): void {
    let from = 0;
    for (let nl = chunk.indexOf(0x0a, from); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
      this.take(chunk.subarray(from, nl));
      this.endLine();
      from = nl + 1;
    }
    if (from < chunk.length) this.take(chunk.subarray(from));
  }

  /** The last line, when the file does not end in a newline (a torn write). */
  end(): LineCounts {
    if (this.partBytes > 0 || this.dropping) this.endLine();
    return this.counts;
  }

  private take(part: Buffer): void {
    if (this.dropping) return;
    if (this.partBytes + part.length > this.maxLineBytes) {
      this.dropping = true;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    // A copy: the reader reuses its chunk buffer.
    this.parts.push(Buffer.from(part));
    this.partBytes += part.length;
  }

  private endLine(): void {
    if (this.dropping) this.counts.oversized++;
    else {
      this.counts.lines++;
      this.onLine(Buffer.concat(this.parts, this.partBytes).toString('utf8'));
    }
    this.parts = [];
    this.partBytes = 0;
    this.dropping = false;
  }
}

/** Every line of `file`, in order, without its newline. Throws what opening the file throws. */
export function forEachLineSync(
  file: string,
  onLine: (line: string) => void,
  maxLineBytes = MAX_LINE_BYTES,
): LineCounts {
  // Regular files only, never through a symlink: a run folder's events.jsonl linked to
  // /dev/zero would never end.
  const fd = openRegularSync(file);
  try {
    const splitter = new LineSplitter(onLine, maxLineBytes);
    const chunk = Buffer.alloc(CHUNK_BYTES);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk))
      splitter.push(chunk.subarray(0, n));
    return splitter.end();
  } finally {
    closeSync(fd);
  }
}

/** `forEachLineSync` without blocking the event loop (the editor's readers). */
export async function forEachLine(
  file: string,
  onLine: (line: string) => void,
  maxLineBytes = MAX_LINE_BYTES,
): Promise<LineCounts> {
  const handle = await openRegular(file);
  try {
    const splitter = new LineSplitter(onLine, maxLineBytes);
    const chunk = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead <= 0) break;
      splitter.push(chunk.subarray(0, bytesRead));
    }
    return splitter.end();
  } finally {
    await handle.close();
  }
}
