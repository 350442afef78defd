import * as path from 'node:path';
import type { SupernetConfig } from '../../config/configSchema';
import { findBundledDataDir } from '../../datasets/locate';
import type { TrainingData } from './batches';
import { loadTaskData } from './datasets';
import type { LoadedDataset } from './loadedDataset';
import { isColourData, normalizationOf, normalizeInPlace } from './normalize';
import { splitTrainValidation } from './split';

/** Where the data sets live, when not where the engine looks by default. */
export interface DataOptions {
  /** The bundled Fashion-MNIST subset (default: found next to the code). */
  bundledDataDir?: string;
  /** The system Fashion-MNIST (default: Debian's folder). */
  systemDataDir?: string;
}

/** The augmentation of a config: its own, else crop 4 and flips for colour data, none for digits. */
export function augmentationOf(config: SupernetConfig): { crop: number; flip: boolean } {
  return (
    config.train.augment ??
    (isColourData(config.task) ? { crop: 4, flip: true } : { crop: 0, flip: false })
  );
}

/** Both splits in one array: the data's own validation images after the training ones. */
function joined(dataset: LoadedDataset): { images: Float32Array; labels: Int32Array } {
  const held = dataset.heldOut;
  if (!held) return { images: dataset.train.images, labels: dataset.train.labels };
  const images = new Float32Array(dataset.train.images.length + held.images.length);
  images.set(dataset.train.images);
  images.set(held.images, dataset.train.images.length);
  const labels = new Int32Array(dataset.train.n + held.n);
  labels.set(dataset.train.labels);
  labels.set(held.labels, dataset.train.n);
  return { images, labels };
}

const range = (from: number, n: number): Int32Array =>
  Int32Array.from({ length: n }, (_, i) => from + i);

/**
 * The config's data set in memory, normalised, with its validation split: the data's own
 * (an image folder's val/) or held out of the training images deterministically.
 */
export async function loadTrainingData(
  config: SupernetConfig,
  configPath: string,
  opts: DataOptions,
): Promise<{ dataset: LoadedDataset; data: TrainingData }> {
  const dataset = await loadTaskData(config.task, {
    configDir: path.dirname(configPath),
    bundledDir: opts.bundledDataDir ?? findBundledDataDir(),
    ...(opts.systemDataDir ? { systemDir: opts.systemDataDir } : {}),
  });
  const normalization = normalizationOf(config.task, dataset);
  const { images, labels } = joined(dataset);
  if (normalization) normalizeInPlace(images, normalization);
  const split = dataset.heldOut
    ? { train: range(0, dataset.train.n), validation: range(dataset.train.n, dataset.heldOut.n) }
    : splitTrainValidation(
        dataset.train.n,
        config.task.validationSplit,
        config.task.splitSeed ?? config.train.seed,
      );
  const augment = augmentationOf(config);
  return {
    dataset,
    data: {
      images,
      labels,
      height: dataset.height,
      width: dataset.width,
      channels: dataset.channels,
      trainIndices: split.train,
      validationIndices: split.validation,
      ...(normalization ? { normalization } : {}),
      ...(augment.crop > 0 || augment.flip ? { augment } : {}),
    },
  };
}
