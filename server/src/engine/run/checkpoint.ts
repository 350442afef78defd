import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
  existsSync,
  unlinkSync,
} from 'node:fs';
import * as path from 'node:path';

/**
 * Checkpoint file: "SNCKPT1\n", a 4-byte little-endian header length, the JSON header
 * (run state and the tensor index), then the float32 data of every tensor.
 * Written to a temp file, fsynced, renamed over the old one: a reader sees the old
 * checkpoint or the new one, never a mix.
 */
const MAGIC = Buffer.from('SNCKPT1\n', 'ascii');

export interface TensorRecord {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint<H> {
  header: H;
  tensors: TensorRecord[];
}

export function writeCheckpoint<H>(file: string, ck: Checkpoint<H>): number {
  const index = ck.tensors.map((t) => ({ name: t.name, shape: t.shape, length: t.data.length }));
  const header = Buffer.from(JSON.stringify({ header: ck.header, tensors: index }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  try {
    for (const part of [MAGIC, len, header]) bytes += writeSync(fd, part);
    for (const t of ck.tensors) {
      bytes += writeSync(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
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

export function readCheckpoint<H>(file: string): Checkpoint<H> {
  const buf = readFileSync(file);
  if (buf.length < 12 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new Error(`${file} is not a Supernet Studio checkpoint (bad magic at offset 0)`);
  }
  const hlen = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + hlen > buf.length)
    throw new Error(
      `${file}: checkpoint header is truncated (needs ${hlen} bytes at offset ${start}, file has ${buf.length})`,
    );
  const parsed = JSON.parse(buf.subarray(start, start + hlen).toString('utf8')) as {
    header: H;
    tensors: { name: string; shape: number[]; length: number }[];
  };
  let off = start + hlen;
  const tensors: TensorRecord[] = [];
  for (const t of parsed.tensors) {
    const bytes = t.length * 4;
    if (off + bytes > buf.length)
      throw new Error(`${file}: tensor ${t.name} is truncated at offset ${off}`);
    // Copy into an aligned buffer: the file's offsets need not be multiples of 4.
    const data = new Float32Array(t.length);
    new Uint8Array(data.buffer).set(buf.subarray(off, off + bytes));
    tensors.push({ name: t.name, shape: t.shape, data });
    off += bytes;
  }
  return { header: parsed.header, tensors };
}
