import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { DataError } from './idx';

/** Debian's dataset-fashion-mnist. */
export const DEFAULT_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

/** The standard names of an MNIST-like data set's files, each plain or with `.gz`. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export interface FilePair {
  images: string;
  labels: string;
}

/** The data files found in a folder. */
export interface FolderFiles {
  dir: string;
  train?: FilePair;
  test?: FilePair;
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** `dir/name` if it exists, else `dir/name.gz` if that does, else undefined. */
function findFile(dir: string, name: string): string | undefined {
  for (const candidate of [name, `${name}.gz`]) {
    const p = path.join(dir, candidate);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** An image/label pair, or undefined if neither file is there; one without the other is an error. */
function findPair(dir: string, images: string, labels: string): FilePair | undefined {
  const imagesFile = findFile(dir, images);
  const labelsFile = findFile(dir, labels);
  if (!imagesFile && !labelsFile) return undefined;
  if (imagesFile && labelsFile) return { images: imagesFile, labels: labelsFile };
  const [have, missing] = imagesFile ? [imagesFile, labels] : [labelsFile!, images];
  const missingPath = path.join(dir, missing);
  throw new DataError(
    missingPath,
    `file not found (neither ${missing} nor ${missing}.gz exists), but ${path.basename(have)} needs it`,
  );
}

/** The IDX files in `dir`; an incomplete pair is an error, a missing folder gives none. */
export function folderFiles(dir: string): FolderFiles {
  if (!isDir(dir)) return { dir };
  const f = IDX_FILES;
  const train = findPair(dir, f.trainImages, f.trainLabels);
  const test = findPair(dir, f.testImages, f.testLabels);
  return { dir, ...(train && { train }), ...(test && { test }) };
}

export const hasData = (f: FolderFiles): boolean => f.train !== undefined || f.test !== undefined;

/**
 * The IDX files of a folder the user named (`task.path`): it must exist and hold data,
 * and the error lists the names looked for.
 */
export function requiredFolderFiles(dir: string): FolderFiles {
  if (!existsSync(dir)) throw new DataError(dir, 'folder not found (from task.path)');
  if (!isDir(dir)) throw new DataError(dir, 'is not a folder (task.path must name a folder)');
  const files = folderFiles(dir);
  if (!hasData(files)) {
    const names = Object.values(IDX_FILES).join(', ');
    throw new DataError(dir, `no IDX data in this folder: expected ${names} (each plain or .gz)`);
  }
  return files;
}

/**
 * The folder `node_modules/<name>` seen from any of `starts` or their parents, as Node's
 * module resolution would find it; a plain walk, so that it works from a bundle too.
 */
export function findPackageDir(name: string, starts: string[]): string | undefined {
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate = path.join(dir, 'node_modules', name);
      if (isDir(candidate)) return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

/** The folder of the bundled data subset, looked up from this file upwards (works from dist/ and out/). */
export function findBundledDataDir(from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'data', 'fashion-mnist-subset');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.join(from, '..', 'data', 'fashion-mnist-subset');
}
