import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import * as path from 'node:path';

/**
 * How the run folder's files are written so that a crash, a kill or a full disk never
 * leaves a half-written file where a whole one was.
 */

/**
 * Writes every byte of `buf`, or throws naming the file: `writeSync` may write fewer bytes
 * than asked (a full disk), and a short write must never pass for a complete one.
 */
export function writeFully(fd: number, buf: Uint8Array, file: string): number {
  let done = 0;
  while (done < buf.length) {
    const n = writeSync(fd, buf, done, buf.length - done);
    if (n <= 0) throw new Error(`Could not write ${file}: wrote ${done} of ${buf.length} bytes.`);
    done += n;
  }
  return done;
}

/** Write a small file so that readers see the old or the new content, never a mix. */
export function atomicWrite(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeFully(fd, Buffer.from(text, 'utf8'), tmp);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
