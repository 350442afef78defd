import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import * as path from 'node:path';
import { openTemp, writeFully } from '#shared/runFolder/durable';
import { readRegularSync } from '#shared/runFolder/safeRead';
import { int, list, obj, opaque, optional, str, type Infer } from '#shared/schema/dsl';
import { problemOf } from '#shared/schema/validate';
import { RunError } from '../runError';

/**
 * Checkpoint file: "SNCKPT2\n", a 4-byte little-endian header length, the JSON header (run
 * state, the tensor index, the data's length and SHA-256), then the float32 data of every
 * tensor. Written to a temp file with every byte checked, fsynced, renamed over the old
 * one (and the folder fsynced): a reader sees the old checkpoint or the new one, never a
 * mix, and a full disk fails the write without touching the old one. Read back, every
 * length, the checksum and the finiteness of every value are checked, and each error names
 * the file. Version 1 files (no checksum) are refused. The header's own checksum
 * (`headerSha256`, over its JSON) came later: files without it are still read, and the
 * header's fields are checked by whoever uses them (checkpointHeader.ts).
 */
const MAGIC_V2 = Buffer.from('SNCKPT2\n', 'ascii');
const MAGIC_V1 = Buffer.from('SNCKPT1\n', 'ascii');

export interface TensorRecord {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint<H> {
  header: H;
  tensors: TensorRecord[];
}

/** A checkpoint as read back, with the SHA-256 of its tensor data: which weights these are. */
export type ReadCheckpoint<H> = Checkpoint<H> & { sha256: string };

const whole = (doc: string) => int(doc, { minimum: 0 });

/** The JSON between the length and the tensor data. */
const envelopeSchema = obj("A checkpoint's JSON header.", {
  header: opaque(
    "The run's state: its owner checks it (train/checkpointHeader.ts, run/finetuneCheckpoint.ts).",
  ),
  headerSha256: optional(str("SHA-256 of the header's JSON (absent in files written before it).")),
  tensors: list(
    'The tensor index, in data order.',
    obj('One tensor.', {
      name: str('Its name.'),
      shape: list('Its shape.', whole('One dimension.')),
      length: whole('Its values.'),
    }),
  ),
  dataBytes: optional(whole('Bytes of tensor data.')),
  sha256: str('SHA-256 of the tensor data.'),
});
type IndexEntry = Infer<typeof envelopeSchema>['tensors'][number];

const bytesOf = (t: Float32Array): Uint8Array =>
  new Uint8Array(t.buffer, t.byteOffset, t.byteLength);

export function writeCheckpoint<H>(file: string, ck: Checkpoint<H>): number {
  const hash = createHash('sha256');
  let dataBytes = 0;
  for (const t of ck.tensors) {
    hash.update(bytesOf(t.data));
    dataBytes += t.data.byteLength;
  }
  const index: IndexEntry[] = ck.tensors.map((t) => ({
    name: t.name,
    shape: t.shape,
    length: t.data.length,
  }));
  const header = Buffer.from(
    JSON.stringify({
      header: ck.header,
      headerSha256: sha256Of(JSON.stringify(ck.header)),
      tensors: index,
      dataBytes,
      sha256: hash.digest('hex'),
    }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  let opened: { tmp: string; fd: number };
  try {
    opened = openTemp(file);
  } catch (e) {
    throw new RunError(`Could not write the checkpoint ${file}: ${(e as Error).message}`);
  }
  const { tmp, fd } = opened;
  let bytes = 0;
  try {
    for (const part of [MAGIC_V2, len, header]) bytes += writeFully(fd, part, tmp);
    for (const t of ck.tensors) bytes += writeFully(fd, bytesOf(t.data), tmp);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    if (existsSync(tmp)) unlinkSync(tmp);
    throw new RunError(`Could not write the checkpoint ${file}: ${(e as Error).message}`);
  }
  closeSync(fd);
  renameSync(tmp, file);
  // Make the rename itself durable.
  const dir = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return bytes;
}

const sha256Of = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The SHA-256 of a checkpoint's tensor data, found without parsing anything: the magic, the
 * header's length, then every byte after the header, streamed. A queue worker compares it
 * with the job's before it reads any file of the run as data (a job names any folder; a
 * parse error would tell the queue what that folder holds). Undefined for anything that is
 * not a version 2 checkpoint in a regular file.
 */
export const checkpointDataSha256 = (file: string): string | undefined =>
  readRegularSync(file, (fd) => {
    const head = Buffer.alloc(12);
    if (readSync(fd, head, 0, 12, 0) !== 12 || !head.subarray(0, 8).equals(MAGIC_V2)) return;
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(1 << 20);
    for (let pos = 12 + head.readUInt32LE(8); ;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n <= 0) break;
      hash.update(chunk.subarray(0, n));
      pos += n;
    }
    return hash.digest('hex');
  });

export function readCheckpoint<H>(file: string): ReadCheckpoint<H> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new RunError(`Cannot read the checkpoint ${file}: ${(e as Error).message}`);
  }
  const magic = buf.subarray(0, 8);
  // Version 1 carried no checksum: nothing would tell its weights from planted ones.
  if (magic.equals(MAGIC_V1))
    throw new RunError(
      `${file} is a version 1 checkpoint, written before checkpoints carried a checksum: ` +
        'it cannot be checked, so it is not read. Train the run again with this version.',
    );
  if (buf.length < 12 || !magic.equals(MAGIC_V2))
    throw new RunError(`${file} is not a Supernet Studio checkpoint (bad magic at offset 0).`);
  const hlen = buf.readUInt32LE(8);
  const start = 12;
  if (start + hlen > buf.length)
    throw new RunError(
      `${file}: checkpoint header is truncated (needs ${hlen} bytes at offset ${start}, file has ${buf.length}).`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(buf.subarray(start, start + hlen).toString('utf8'));
  } catch (e) {
    throw new RunError(
      `${file}: the checkpoint header (offset ${start}) is not valid JSON: ${(e as Error).message}`,
    );
  }
  const problem = problemOf(envelopeSchema, raw, 'checkpoint header');
  if (problem) throw new RunError(`${file}: the ${problem} (offset ${start}).`);
  const parsed = raw as Infer<typeof envelopeSchema>;
  // JSON of finite numbers and strings reads back to the same text, key order included.
  if (
    parsed.headerSha256 !== undefined &&
    sha256Of(JSON.stringify(parsed.header)) !== parsed.headerSha256
  )
    throw new RunError(
      `${file}: the checkpoint's header does not match its checksum: the file is corrupt or was edited.`,
    );
  const index = parsed.tensors;
  for (const t of index)
    if (t.shape.reduce((a, b) => a * b, 1) !== t.length)
      throw new RunError(
        `${file}: tensor ${t.name} has shape [${t.shape}] but ${t.length} values.`,
      );
  const dataStart = start + hlen;
  const expected = index.reduce((n, t) => n + 4 * t.length, 0);
  if (buf.length - dataStart !== expected)
    throw new RunError(
      `${file}: the checkpoint holds ${buf.length - dataStart} bytes of tensor data at offset ${dataStart}, its index says ${expected} (truncated or padded).`,
    );
  const sha256 = createHash('sha256').update(buf.subarray(dataStart)).digest('hex');
  if (sha256 !== parsed.sha256)
    throw new RunError(
      `${file}: the checkpoint's tensor data does not match its checksum: the file is corrupt.`,
    );
  return {
    header: parsed.header as H,
    tensors: readTensors(file, buf, dataStart, index),
    sha256,
  };
}

function readTensors(
  file: string,
  buf: Buffer,
  dataStart: number,
  index: IndexEntry[],
): TensorRecord[] {
  let off = dataStart;
  return index.map((t) => {
    // Copy into an aligned buffer: the file's offsets need not be multiples of 4.
    const data = new Float32Array(t.length);
    new Uint8Array(data.buffer).set(buf.subarray(off, off + 4 * t.length));
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new RunError(
        `${file}: tensor ${t.name} holds ${data[bad]} at element ${bad} (offset ${off + 4 * bad}): the weights are not usable.`,
      );
    off += 4 * t.length;
    return { name: t.name, shape: t.shape, data };
  });
}
