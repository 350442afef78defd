import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { constants as zlib, gunzipSync } from 'node:zlib';

/** The most bytes an IDX file may declare: far above any image data set kept in memory. */
export const MAX_IDX_BYTES = 2 ** 31 - 1;

/**
 * The IDX format of MNIST-like data sets: a 4-byte magic (0x00 0x00, a type byte, the number
 * of dimensions), each dimension as a big-endian uint32, then the values in row-major order.
 * Only unsigned bytes (type 0x08) are read: every MNIST-like image and label file uses them,
 * and images are scaled by 1/255, which assumes bytes.
 */

/** A data file that cannot be used. `message` names the file and says what is wrong with it. */
export class DataError extends Error {
  override name = 'DataError';

  constructor(
    /** The file (or folder) at fault. */
    readonly file: string,
    /** What is wrong, without the file name. */
    readonly detail: string,
    /** Byte offset in the (decompressed) file where the problem is, where one applies. */
    readonly offset?: number,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** What a file is read as: the magic it must have depends on it. */
export type IdxRole = 'images' | 'labels';

export interface IdxData {
  file: string;
  /** The dimensions from the header, e.g. [60000, 28, 28]. */
  dims: number[];
  /** The values, one byte each (a view into the file's bytes, not a copy). */
  data: Uint8Array;
  /** Size of the header in bytes: where `data` starts in the decompressed file. */
  headerBytes: number;
  /** Whether the file was gzip-compressed (detected by its magic bytes, not its name). */
  gzipped: boolean;
}

const UBYTE = 0x08;

/** IDX type codes, so that a file of another type is named precisely in the error. */
const TYPE_NAMES: Record<number, string> = {
  0x08: 'ubyte',
  0x09: 'byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

/** The dimension counts each role accepts: images are N×H×W or N×H×W×C (channels last). */
const ROLE_DIMS: Record<IdxRole, number[]> = { images: [3, 4], labels: [1] };

const hex32 = (x: number): string => '0x' + (x >>> 0).toString(16).padStart(8, '0');
const dimsWord = (n: number): string => `${n} dim${n === 1 ? '' : 's'}`;

function describeMagic(buf: Uint8Array): string {
  const magic = ((buf[0] << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3]) >>> 0;
  if (buf[0] !== 0 || buf[1] !== 0) {
    return `${hex32(magic)} (not an IDX file: IDX files start with two zero bytes)`;
  }
  const type = TYPE_NAMES[buf[2]] ?? `unknown type 0x${buf[2].toString(16).padStart(2, '0')}`;
  return `${hex32(magic)} (${type}, ${dimsWord(buf[3])})`;
}

function expectedMagic(role: IdxRole | undefined): string {
  const counts = role ? ROLE_DIMS[role] : [];
  const options = counts.map((d) => `${hex32((UBYTE << 8) | d)} (ubyte, ${dimsWord(d)})`);
  return role ? `${options.join(' or ')} for ${role}` : '0x000008NN (ubyte, NN dims)';
}

/** The role a ubyte magic belongs to, when it is not `role`: the files were likely swapped. */
function otherRole(buf: Uint8Array, role: IdxRole | undefined): IdxRole | undefined {
  if (!role || buf[2] !== UBYTE) return undefined;
  const other: IdxRole = role === 'images' ? 'labels' : 'images';
  return ROLE_DIMS[other].includes(buf[3]) ? other : undefined;
}

/**
 * Throws unless `buf` starts with an IDX ubyte magic (of `role`, when given): the one check
 * of the magic, for the whole-file reader and the header-only one.
 */
function checkMagic(buf: Uint8Array, file: string, role: IdxRole | undefined, hint = ''): void {
  if (buf.length < 4)
    throw new DataError(
      file,
      `file is ${buf.length} bytes, too short for the 4-byte IDX magic${hint}`,
      0,
    );
  const okDims = role ? ROLE_DIMS[role].includes(buf[3]) : buf[3] >= 1;
  if (buf[0] === 0 && buf[1] === 0 && buf[2] === UBYTE && okDims) return;
  const swapped = otherRole(buf, role);
  throw new DataError(
    file,
    `expected magic ${expectedMagic(role)}, got ${describeMagic(buf)}` +
      (swapped ? `, the magic of ${swapped}: is it the ${swapped} file?` : '') +
      hint,
    0,
  );
}

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** The size an IDX file's header declares (header + data), or undefined before a whole header. */
function declaredSize(head: Uint8Array): number | undefined {
  if (head.length < 4) return undefined;
  const headerBytes = 4 + 4 * head[3];
  if (head.length < headerBytes) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let n = 1;
  for (let i = 0; i < head[3]; i++) n *= view.getUint32(4 + 4 * i, false);
  return headerBytes + n;
}

/**
 * Decompresses a gzipped IDX file no further than its header says it holds: a file that
 * inflates beyond that (a gzip bomb) fails after that many bytes, not after all of memory.
 */
function gunzipBounded(bytes: Uint8Array, file: string): Buffer {
  let head: Buffer;
  try {
    // What the first 2 KiB inflate to (at most ~2 MB, deflate's ratio being ~1000:1): more
    // than any IDX header, which is at most 1 KiB raw.
    head = gunzipSync(bytes.subarray(0, 2048), { finishFlush: zlib.Z_SYNC_FLUSH });
  } catch (e) {
    throw new DataError(file, `corrupt gzip data (zlib: ${(e as Error).message})`);
  }
  const declared = declaredSize(head);
  if (declared !== undefined && declared > MAX_IDX_BYTES)
    throw new DataError(
      file,
      `its header declares ${declared} bytes, more than the ${MAX_IDX_BYTES} this reader accepts`,
      4,
    );
  const limit = Math.min(MAX_IDX_BYTES, (declared ?? head.length) + 1);
  try {
    return gunzipSync(bytes, { maxOutputLength: limit });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DataError(
        file,
        `inflates to more than the ${declared ?? head.length} bytes its IDX header declares (not an IDX file, or a gzip bomb)`,
        declared,
      );
    throw new DataError(file, `corrupt gzip data (zlib: ${(e as Error).message})`);
  }
}

/**
 * Parses an IDX file's bytes, gzip-compressed or not. `file` is used in error messages only.
 * With a `role`, the magic must be that of images (3 or 4 dims) or labels (1 dim).
 */
export function parseIdx(bytes: Uint8Array, file: string, role?: IdxRole): IdxData {
  const gzipped = isGzip(bytes);
  const buf = gzipped ? gunzipBounded(bytes, file) : bytes;
  // A misnamed file is read for what it is, but the name is a clue when the magic is wrong.
  const nameHint =
    !gzipped && /\.gz$/i.test(file) ? '; the name ends in .gz but the data is not gzip' : '';

  checkMagic(buf, file, role, nameHint);
  const ndims = buf[3];

  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) {
    throw new DataError(
      file,
      `file is ${buf.length} bytes, shorter than the ${headerBytes}-byte header of a ${ndims}-dim IDX file`,
      buf.length,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));

  const expected = dims.reduce((a, b) => a * b, 1);
  const got = buf.length - headerBytes;
  if (got !== expected) {
    const product = dims.length > 1 ? `${dims.join('×')} = ` : '';
    const why = got < expected ? 'truncated' : `${got - expected} bytes too many`;
    throw new DataError(
      file,
      `expected ${product}${expected} bytes of data after the ${headerBytes}-byte header, got ${got} (${why})`,
      Math.min(buf.length, headerBytes + expected),
    );
  }
  return { file, dims, data: buf.subarray(headerBytes), headerBytes, gzipped };
}

/** Reads an IDX file from disk, gzip-compressed or not (told apart by its first bytes). */
export function readIdx(file: string, role?: IdxRole): IdxData {
  let bytes: Buffer;
  try {
    // A FIFO, a device or a folder would block or fail the read: only regular files are data.
    const st = statSync(file);
    if (!st.isFile()) throw new DataError(file, 'is not a regular file');
    if (st.size > MAX_IDX_BYTES)
      throw new DataError(
        file,
        `is ${st.size} bytes, more than the ${MAX_IDX_BYTES} this reader accepts`,
      );
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(file, 'file not found');
    throw new DataError(file, `cannot be read (${code ?? (e as Error).message})`);
  }
  return parseIdx(bytes, file, role);
}

/**
 * Checks a label file against its image file and the number of classes: one label per
 * image, and every label below `classes` (the classifier has no output for larger ones).
 */
export function checkLabels(labels: IdxData, images: IdxData, classes: number): void {
  const nLabels = labels.dims[0];
  const nImages = images.dims[0];
  if (nLabels !== nImages) {
    throw new DataError(
      labels.file,
      `has ${nLabels} labels but its image file ${images.file} has ${nImages} images`,
    );
  }
  let first = -1;
  let count = 0;
  let max = 0;
  const d = labels.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i] >= classes) {
      if (first < 0) first = i;
      count++;
      if (d[i] > max) max = d[i];
    }
  }
  if (first >= 0) {
    const offset = labels.headerBytes + first;
    throw new DataError(
      labels.file,
      `label ${d[first]} at index ${first} (byte ${offset}) is not below task.classes = ${classes}; ` +
        `${count} labels are ≥ ${classes}, the largest is ${max}`,
      offset,
    );
  }
}

/**
 * The dimensions an IDX file's header declares, reading only its first bytes (inflated when
 * gzipped): what the editor shows and checks without loading the data. With a `role`, the
 * magic must be that of images or labels, as in `parseIdx`.
 */
export function readIdxHeader(file: string, role?: IdxRole): number[] {
  const st = statSync(file);
  if (!st.isFile()) throw new DataError(file, 'is not a regular file');
  const fd = openSync(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(Math.min(2048, st.size));
    readSync(fd, buf, 0, buf.length, 0);
    head = isGzip(buf) ? gunzipSync(buf, { finishFlush: zlib.Z_SYNC_FLUSH }) : buf;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(file, `cannot be read (${(e as Error).message})`);
  } finally {
    closeSync(fd);
  }
  checkMagic(head, file, role);
  const ndims = head[3];
  if (head.length < 4 + 4 * ndims)
    throw new DataError(file, 'the IDX header is truncated', head.length);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
}
