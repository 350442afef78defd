import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { SupernetConfig } from '../../config/configSchema';
import type { TrainingData } from './batches';
import { loadDataset, type LoadedDataset } from './datasets';
import { splitTrainValidation } from './split';

/** Where the data sets live, when not where the engine looks by default. */
export interface DataOptions {
  /** The bundled Fashion-MNIST subset (default: found next to the code). */
  bundledDataDir?: string;
  /** The system Fashion-MNIST (default: Debian's folder). */
  systemDataDir?: string;
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

/** The config's data set in memory with its deterministic train/validation split. */
export function loadTrainingData(
  config: SupernetConfig,
  configPath: string,
  opts: DataOptions,
): { dataset: LoadedDataset; data: TrainingData } {
  const dataset = loadDataset(config.task, {
    configDir: path.dirname(configPath),
    bundledDir: opts.bundledDataDir ?? findBundledDataDir(),
    ...(opts.systemDataDir ? { systemDir: opts.systemDataDir } : {}),
  });
  const split = splitTrainValidation(
    dataset.train.n,
    config.task.validationSplit,
    config.train.seed,
  );
  return {
    dataset,
    data: {
      images: dataset.train.images,
      labels: dataset.train.labels,
      height: dataset.height,
      width: dataset.width,
      channels: dataset.channels,
      trainIndices: split.train,
      validationIndices: split.validation,
    },
  };
}
