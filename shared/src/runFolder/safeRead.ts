import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * How the run folder's files are opened for reading. A run folder may come from someone
 * else (a cloned repository, an untrusted workspace, a shared file system): a file in it
 * may be a symlink to /dev/zero or to a file outside, or gigabytes of nothing. So every
 * read opens the file without following a final symlink, takes regular files only, and
 * whole-file reads stop at a size no writer of the run folder comes near.
 */

/** Larger than any whole-file record of a run folder (pareto.json of 10,000 candidates: a few MB). */
export const MAX_RUN_FILE_BYTES = 64 * 1024 * 1024;

const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

/** Opens `file` for reading if it is a regular file and no symlink; throws otherwise. */
export function openRegularSync(file: string): number {
  const fd = openSync(file, READ_FLAGS);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new Error(`${file} is not a regular file`);
  }
  return fd;
}

/** `openRegularSync` without blocking the event loop. */
export async function openRegular(file: string): Promise<FileHandle> {
  const handle = await open(file, READ_FLAGS);
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw new Error(`${file} is not a regular file`);
  }
  return handle;
}

/**
 * A run-folder file's text; undefined when it is missing, not a regular file, a symlink, or
 * larger than `maxBytes`.
 */
export async function readRunText(
  file: string,
  maxBytes = MAX_RUN_FILE_BYTES,
): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await openRegular(file);
  } catch {
    return undefined;
  }
  try {
    if ((await handle.stat()).size > maxBytes) return undefined;
    return await handle.readFile('utf8');
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * What `read` makes of `file`, opened as a regular file and never through a symlink;
 * undefined when it cannot be opened so, or `read` throws. The file is closed either way.
 */
export function readRegularSync<T>(
  file: string,
  read: (fd: number) => T | undefined,
): T | undefined {
  let fd: number;
  try {
    fd = openRegularSync(file);
  } catch {
    return undefined;
  }
  try {
    return read(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** `readRunText`, synchronously. */
export const readRunTextSync = (file: string, maxBytes = MAX_RUN_FILE_BYTES): string | undefined =>
  readRegularSync(file, (fd) => {
    const size = fstatSync(fd).size;
    if (size > maxBytes) return undefined;
    const buf = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, null);
      if (n <= 0) break;
      done += n;
    }
    return buf.subarray(0, done).toString('utf8');
  });
