import * as path from 'node:path';
import type { TaskConfig } from '../../config/configSchema';
import { cacheDirFor, fingerprint, readCache, writeCache } from './dataCache';
import type { LoadedDataset } from './loadedDataset';

/** Per-channel (pixel/255 − mean) / std: what the network's input is, and what exports document. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** Colour data (folders, CIFAR) is normalised by default; the digit sets keep pixel/255. */
export const isColourData = (task: TaskConfig): boolean =>
  task.dataset === 'folder' || task.dataset === 'cifar10' || task.dataset === 'cifar100';

/** Mean and standard deviation of each channel of N×H×W×C images. */
export function channelStats(images: Float32Array, channels: number): Normalization {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    sum[i % channels] += v;
    sq[i % channels] += v * v;
  }
  const n = images.length / channels;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (q, c) => Math.sqrt(Math.max(q / n - mean[c] ** 2, 1e-12)));
  return { mean, std };
}

/**
 * The normalisation of a task: none, the given mean and std, or the training images' own,
 * computed once per data content and kept in the data's cache folder.
 */
export function normalizationOf(
  task: TaskConfig,
  dataset: LoadedDataset,
): Normalization | undefined {
  const mode = task.normalize ?? (isColourData(task) ? 'auto' : 'none');
  if (mode === 'none') return undefined;
  if (task.mean && task.std) return { mean: task.mean, std: task.std };
  const key = fingerprint({ v: 1, stats: dataset.fingerprint, input: task.input });
  const file = path.join(cacheDirFor(dataset.dir), `stats-${key}.bin`);
  const cached = readCache<Normalization>(file)?.header;
  const stats = cached ?? channelStats(dataset.train.images, dataset.channels);
  if (!cached) writeCache(file, stats, new Uint8Array(0));
  return { mean: task.mean ?? stats.mean, std: task.std ?? stats.std };
}

/** Normalises images in place. */
export function normalizeInPlace(images: Float32Array, n: Normalization): void {
  const c = n.mean.length;
  const inv = n.std.map((s) => 1 / s);
  for (let i = 0; i < images.length; i++) images[i] = (images[i] - n.mean[i % c]) * inv[i % c];
}
