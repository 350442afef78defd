import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { openTemp, writeFully } from '#shared/runFolder/durable';

/**
 * Decoded data kept between runs, named by a fingerprint of what it was made from (file
 * names, sizes and times, the target size, this format's version), so a changed folder is
 * decoded again and an unchanged one is read at once. The cache lives in `.supernet-cache/`
 * inside the data folder, or in ~/.cache/supernet-studio when that folder is read-only.
 */
const MAGIC = Buffer.from('SNDATA1\n', 'ascii');

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** Where the cache files of a data folder go: inside it when writable, else in the user's cache. */
export function cacheDirFor(dataDir: string): string {
  const inside = path.join(dataDir, '.supernet-cache');
  try {
    mkdirSync(inside, { recursive: true });
    return inside;
  } catch {
    const xdg = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
    const outside = path.join(xdg, 'supernet-studio', fingerprint(path.resolve(dataDir)));
    mkdirSync(outside, { recursive: true });
    return outside;
  }
}

/** A cache entry: a JSON header and a byte payload. */
export interface CacheEntry<H> {
  header: H;
  payload: Uint8Array;
}

export function readCache<H>(file: string): CacheEntry<H> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const buf = readFileSync(file);
    if (!buf.subarray(0, 8).equals(MAGIC)) return undefined;
    const hlen = buf.readUInt32LE(8);
    const header = JSON.parse(buf.subarray(12, 12 + hlen).toString('utf8')) as H & {
      bytes: number;
    };
    const payload = buf.subarray(12 + hlen);
    // A truncated cache (a kill while it was written cannot leave one, a full disk could) is ignored.
    return payload.length === header.bytes ? { header, payload } : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a cache entry atomically; a failure to cache is not a failure to load. */
export function writeCache<H extends object>(
  file: string,
  header: H,
  payload: Uint8Array,
): boolean {
  let tmp: string | undefined;
  try {
    const head = Buffer.from(JSON.stringify({ ...header, bytes: payload.length }), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(head.length);
    const opened = openTemp(file);
    tmp = opened.tmp;
    const fd = opened.fd;
    try {
      for (const part of [MAGIC, len, head, payload]) writeFully(fd, part, tmp);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    return true;
  } catch {
    if (tmp) rmSync(tmp, { force: true });
    return false;
  }
}
