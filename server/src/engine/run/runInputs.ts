import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { SupernetConfig } from '../../config/configSchema';
import { analyse } from '../../language/analysis';
import type { BatchSamplerState } from '../train/dataSampler';
import type { TrainingData } from '../data/batches';
import { loadDataset, type LoadedDataset } from '../data/datasets';
import { splitTrainValidation } from '../data/split';
import type { TensorRecord } from './checkpoint';

/** An error that ends a run with a message for the user (no stack trace needed). */
export class RunError extends Error {}

/** What a checkpoint's header holds besides the tensors. */
export interface CheckpointHeader {
  version: 1;
  runId: string;
  step: number;
  totalSteps: number;
  spaceKey: string;
  backend: string;
  samplerRng: number[];
  dataRng: number[];
  sampler: unknown;
  batches: BatchSamplerState;
  optimizerSteps: number;
  elapsedSeconds: number;
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

/** The config's text checked as the editor checks it; errors stop a run before anything starts. */
export function checkedConfig(file: string, text: string): SupernetConfig {
  const a = analyse(text, {
    configPath: file,
    pathExists: existsSync,
    resolvePath: (from, rel) => path.resolve(path.dirname(from), rel),
  });
  const errors = a.problems.filter((p) => p.severity === 'error');
  if (errors.length) {
    const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
    throw new RunError(
      `${file} has ${errors.length} error${errors.length > 1 ? 's' : ''}:\n` +
        errors.map((e) => `  ${file}:${lineOf(e.start)}: ${e.message}`).join('\n'),
    );
  }
  return a.resolved.config;
}

/** A key of the space that a checkpoint must match to be used with a config. */
export const spaceKeyOf = (c: SupernetConfig): string =>
  JSON.stringify({ space: c.space, input: c.task.input, classes: c.task.classes });

export interface DataOptions {
  bundledDataDir?: string;
  systemDataDir?: string;
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

/** Copy checkpointed tensors into variables by name; names or sizes that differ are an error naming them. */
export function restoreTensors(
  records: TensorRecord[],
  targets: [string, tf.Variable][],
  what: string,
): void {
  const byName = new Map(records.map((t) => [t.name, t]));
  for (const [name, v] of targets) {
    const t = byName.get(name);
    if (!t || t.data.length !== v.size) {
      throw new RunError(
        `${what} lacks ${name} or has it at the wrong size: it does not match the config's search space.`,
      );
    }
    v.assign(tf.tensor(t.data, v.shape));
  }
}
