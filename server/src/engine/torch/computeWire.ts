import type { Socket } from 'node:net';

/**
 * Frames between the engine and the compute process's rank 0 (python/supernet_torch/wire.py):
 * a JSON header and a binary payload, each after its length as a little-endian u32. The
 * process is the engine's own child, but its replies are still read as untrusted: lengths are
 * bounded, headers must be objects with a type, tensors must fit their payload.
 */
export interface Frame {
  header: { type: string } & Record<string, unknown>;
  payload: Buffer;
}

const MAX_HEADER = 64 << 20;
const MAX_PAYLOAD = 2 ** 32 - 1;

export function encodeFrame(header: object, payload: Uint8Array = new Uint8Array(0)): Buffer[] {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const lengths = Buffer.alloc(4);
  lengths.writeUInt32LE(h.length);
  const plen = Buffer.alloc(4);
  plen.writeUInt32LE(payload.byteLength);
  return [lengths, h, plen, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)];
}

/** Reads frames off a socket in order; `next` resolves to the next one, or rejects once the socket ends. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiting: { resolve: (f: Frame) => void; reject: (e: Error) => void } | undefined;
  private ready: Frame[] = [];
  private ended: Error | undefined;

  constructor(socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      try {
        this.parse();
      } catch (e) {
        this.end(e as Error);
        socket.destroy();
      }
    });
    socket.on('close', () => this.end(new Error('the compute process closed its connection')));
    socket.on('error', (e) => this.end(e));
  }

  next(): Promise<Frame> {
    const f = this.ready.shift();
    if (f) return Promise.resolve(f);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Ends the reader with `e` (the first reason wins); a pending `next` rejects with it. */
  end(e: Error): void {
    this.ended ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(this.ended);
  }

  /** Bytes the next frame needs before it can be parsed (so a large payload is joined once). */
  private need = 4;

  private parse(): void {
    while (this.buffered >= this.need) {
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [all];
      const hlen = all.readUInt32LE(0);
      if (hlen > MAX_HEADER) throw new Error(`a frame header of ${hlen} bytes`);
      if (all.length < 8 + hlen) {
        this.need = 8 + hlen;
        return;
      }
      const plen = all.readUInt32LE(4 + hlen);
      if (plen > MAX_PAYLOAD) throw new Error(`a frame payload of ${plen} bytes`);
      const total = 8 + hlen + plen;
      if (all.length < total) {
        this.need = total;
        return;
      }
      const header = JSON.parse(all.subarray(4, 4 + hlen).toString('utf8')) as unknown;
      const payload = Buffer.from(all.subarray(8 + hlen, total));
      this.chunks = total < all.length ? [all.subarray(total)] : [];
      this.buffered -= total;
      this.need = 4;
      if (
        typeof header !== 'object' ||
        header === null ||
        typeof (header as { type?: unknown }).type !== 'string'
      )
        throw new Error('a frame header that is not an object with a type');
      const frame = { header: header as Frame['header'], payload };
      const w = this.waiting;
      if (w) {
        this.waiting = undefined;
        w.resolve(frame);
      } else this.ready.push(frame);
    }
  }
}

/** A tensor in a frame: its name and shape; float32 unless said. */
export interface WireTensor {
  name: string;
  shape: number[];
  dtype?: 'float32' | 'int32';
}

/** Named float32 arrays as a header's entries and one payload. */
export function packTensors(named: [string, number[], Float32Array][]): {
  tensors: WireTensor[];
  payload: Buffer;
} {
  return {
    tensors: named.map(([name, shape]) => ({ name, shape })),
    payload: Buffer.concat(
      named.map(([, , d]) => Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
    ),
  };
}

/** The tensors a header lists, out of its payload; a list that does not fit it is an error. */
export function unpackTensors(
  entries: unknown,
  payload: Buffer,
): Map<string, { shape: number[]; data: Float32Array }> {
  if (!Array.isArray(entries)) throw new Error('a state reply without its tensor list');
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let at = 0;
  for (const e of entries as WireTensor[]) {
    if (
      typeof e?.name !== 'string' ||
      !Array.isArray(e.shape) ||
      !e.shape.every((d) => Number.isInteger(d) && d >= 0)
    )
      throw new Error('a tensor entry without a name or a shape');
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (at + count * 4 > payload.length) throw new Error(`the payload is too short for ${e.name}`);
    const data = new Float32Array(count);
    Buffer.from(data.buffer).set(payload.subarray(at, at + count * 4));
    out.set(e.name, { shape: e.shape, data });
    at += count * 4;
  }
  return out;
}
