import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import type { TaskConfig } from '../../../../server/src/config/configSchema';

/** Shared paths and builders for the data-layer tests (not a test file itself). */

// Compiled to out/test/unit/engine/data/, five levels below the repository root.
export const REPO_ROOT = path.resolve(__dirname, '../../../../..');
export const BUNDLED_DIR = path.join(REPO_ROOT, 'data', 'fashion-mnist-subset');
export const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

/** A skip message when Debian's dataset-fashion-mnist is not installed, else false. */
export const systemSkip: string | false = existsSync(SYSTEM_DIR)
  ? false
  : `${SYSTEM_DIR} is absent (install Debian's dataset-fashion-mnist to run this test)`;

export function task(over: Partial<TaskConfig> = {}): TaskConfig {
  return {
    dataset: 'fashion-mnist',
    input: [28, 28, 1],
    classes: 10,
    validationSplit: 0.1,
    ...over,
  };
}

/** An IDX ubyte file: magic, big-endian dims, then `data` (default: i mod 256). */
export function makeIdx(dims: number[], data?: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  const body = data ?? Uint8Array.from({ length: n }, (_, i) => i % 256);
  return Buffer.concat([header, body]);
}

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'supernet-data-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The bundled t10k files, decompressed (read once per test process). */
let bundledRaw: { images: Buffer; labels: Buffer } | undefined;
export function bundledDecompressed(): { images: Buffer; labels: Buffer } {
  bundledRaw ??= {
    images: gunzipSync(readFileSync(path.join(BUNDLED_DIR, 't10k-images-idx3-ubyte.gz'))),
    labels: gunzipSync(readFileSync(path.join(BUNDLED_DIR, 't10k-labels-idx1-ubyte.gz'))),
  };
  return bundledRaw;
}

export function histogram(labels: ArrayLike<number>, classes: number): number[] {
  const h = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) h[labels[i]]++;
  return h;
}
