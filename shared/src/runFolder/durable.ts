import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
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
    const n = diskFull.write(fd, buf, done, buf.length - done);
    if (n <= 0)
      throw new Error(
        `Could not write ${file}: no space left (wrote ${done} of ${buf.length} bytes).`,
      );
    done += n;
  }
  return done;
}

/**
 * Fault injection for the tests of full disks on machines where no small file system can
 * be mounted: with SUPERNET_FAULT_DISK_FULL_FLAG=FILE in the environment, once FILE exists
 * the disk is full but for the number of bytes FILE holds (its text): this module's writes
 * then stop as a full disk stops them (a short write, then nothing).
 */
const diskFull = (() => {
  const flag = process.env.SUPERNET_FAULT_DISK_FULL_FLAG;
  let room: number | undefined;
  return {
    write(fd: number, buf: Uint8Array, offset: number, length: number): number {
      if (!flag || (room === undefined && !existsSync(flag)))
        return writeSync(fd, buf, offset, length);
      room ??= Math.max(0, Number(readFileSync(flag, 'utf8').trim()) || 0);
      const n = room > 0 ? writeSync(fd, buf, offset, Math.min(length, room)) : 0;
      room -= n;
      return n;
    },
  };
})();

/**
 * A new temporary file beside `file` for an atomic write: a random name, created exclusively
 * and never through a symlink, so that nobody who can write to a shared run folder can plant
 * a link at a predictable name and redirect the write.
 */
export function openTemp(file: string): { tmp: string; fd: number } {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const flags =
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  return { tmp, fd: openSync(tmp, flags, 0o644) };
}

/** Write a small file so that readers see the old or the new content, never a mix. */
export function atomicWrite(file: string, text: string): void {
  atomicWriteWith(file, (write) => write(text));
}

/**
 * `atomicWrite` of content produced piece by piece (a rewrite of a log larger than one
 * string can hold): the pieces go to the temp file as they come.
 */
export function atomicWriteWith(
  file: string,
  produce: (write: (text: string) => void) => void,
): void {
  const { tmp, fd } = openTemp(file);
  try {
    produce((text) => void writeFully(fd, Buffer.from(text, 'utf8'), tmp));
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}
