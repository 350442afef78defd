import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { DataError } from './idx';

/**
 * CIFAR-10 and CIFAR-100 in their binary form: files of fixed-size records, each the label
 * byte(s) then a 32×32 image as three 1024-byte planes (red, green, blue).
 */
export type CifarKind = 'cifar10' | 'cifar100';

export const CIFAR_SHAPE: [number, number, number] = [32, 32, 3];
const PIXELS = 32 * 32 * 3;

export const CIFAR = {
  cifar10: {
    name: 'CIFAR-10',
    labelBytes: 1,
    classes: 10,
    train: [
      'data_batch_1.bin',
      'data_batch_2.bin',
      'data_batch_3.bin',
      'data_batch_4.bin',
      'data_batch_5.bin',
    ],
    test: ['test_batch.bin'],
    names: 'batches.meta.txt',
    folder: 'cifar-10-batches-bin',
  },
  cifar100: {
    name: 'CIFAR-100',
    labelBytes: 2,
    classes: 100,
    train: ['train.bin'],
    test: ['test.bin'],
    names: 'fine_label_names.txt',
    folder: 'cifar-100-binary',
  },
} as const;

export const recordBytes = (kind: CifarKind): number => CIFAR[kind].labelBytes + PIXELS;

export interface CifarFiles {
  dir: string;
  /** The training files present, in order. */
  train: string[];
  test: string[];
  /** The class names of the names file, when it is there. */
  classNames?: string[];
}

/**
 * The CIFAR files of a folder (or of the folder the official archive unpacks to inside it).
 * No training file is an error naming the files looked for.
 */
export function cifarFiles(dir: string, kind: CifarKind): CifarFiles {
  const spec = CIFAR[kind];
  if (!existsSync(dir)) throw new DataError(dir, 'folder not found (from task.path)');
  if (!statSync(dir).isDirectory())
    throw new DataError(dir, 'is not a folder (task.path must name a folder)');
  const inner = path.join(dir, spec.folder);
  const base = existsSync(inner) && statSync(inner).isDirectory() ? inner : dir;
  const present = (names: readonly string[]) =>
    names.map((n) => path.join(base, n)).filter((f) => existsSync(f));
  const train = present(spec.train);
  if (!train.length)
    throw new DataError(
      dir,
      `no ${spec.name} training files here: expected ${spec.train.join(', ')} (the binary version)`,
    );
  const namesFile = path.join(base, spec.names);
  const classNames = existsSync(namesFile)
    ? readFileSync(namesFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    : undefined;
  return { dir: base, train, test: present(spec.test), ...(classNames ? { classNames } : {}) };
}

/** Records in a CIFAR file; a length that is not a whole number of records is an error. */
export function cifarRecords(file: string, kind: CifarKind): number {
  const st = statSync(file);
  if (!st.isFile()) throw new DataError(file, 'is not a regular file');
  const rec = recordBytes(kind);
  if (st.size === 0 || st.size % rec !== 0)
    throw new DataError(
      file,
      `is ${st.size} bytes, not a whole number of ${rec}-byte ${CIFAR[kind].name} records (${Math.floor(st.size / rec)} records and ${st.size % rec} bytes over)`,
      Math.floor(st.size / rec) * rec,
    );
  return st.size / rec;
}

/** The images (N×32×32×3 bytes, channels last) and labels of CIFAR files. */
export function readCifar(
  files: string[],
  kind: CifarKind,
): { pixels: Uint8Array; labels: Int32Array; n: number } {
  const rec = recordBytes(kind);
  const lb = CIFAR[kind].labelBytes;
  const counts = files.map((f) => cifarRecords(f, kind));
  const n = counts.reduce((a, b) => a + b, 0);
  const pixels = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let i = 0;
  for (const file of files) {
    const buf = readFileSync(file);
    for (let off = 0; off < buf.length; off += rec, i++) {
      // CIFAR-100 records start with the coarse label, then the fine one: the classes are fine.
      const label = buf[off + lb - 1];
      if (label >= CIFAR[kind].classes)
        throw new DataError(
          file,
          `label ${label} of record ${off / rec} is not below ${CIFAR[kind].classes}`,
          off,
        );
      labels[i] = label;
      const img = buf.subarray(off + lb, off + rec);
      const out = i * PIXELS;
      for (let p = 0; p < 1024; p++) {
        pixels[out + 3 * p] = img[p];
        pixels[out + 3 * p + 1] = img[1024 + p];
        pixels[out + 3 * p + 2] = img[2048 + p];
      }
    }
  }
  return { pixels, labels, n };
}
