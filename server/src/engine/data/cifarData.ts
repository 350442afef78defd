import type { TaskConfig } from '../../config/configSchema';
import { CIFAR, CIFAR_SHAPE, cifarFiles, readCifar, type CifarKind } from '../../datasets/cifar';
import { DataError } from '../../datasets/idx';
import {
  fileStamp,
  scaledPixels,
  type DataSplit,
  type LoadedDataset,
  type LoadOptions,
} from './loadedDataset';
import * as path from 'node:path';

/** CIFAR-10 or CIFAR-100 from its binary files: the training batches, and the test batch as the test split. */
export function loadCifarDataset(task: TaskConfig, opts: LoadOptions): LoadedDataset {
  const kind = task.dataset as CifarKind;
  const spec = CIFAR[kind];
  if (task.path === undefined)
    throw new DataError(
      opts.configDir,
      `dataset: ${kind} needs task.path: the folder of the binary files`,
    );
  const files = cifarFiles(path.resolve(opts.configDir, task.path), kind);
  const [h, w, c] = task.input;
  if (h !== 32 || w !== 32 || c !== 3)
    throw new DataError(
      files.train[0],
      `${spec.name} images are ${CIFAR_SHAPE.join('×')} but task.input is [${task.input.join(', ')}]`,
    );
  if (task.classes !== spec.classes)
    throw new DataError(
      files.train[0],
      `${spec.name} has ${spec.classes} classes but task.classes is ${task.classes}`,
    );
  const split = (list: string[]): DataSplit => {
    const d = readCifar(list, kind);
    return {
      images: scaledPixels(d.pixels),
      labels: d.labels,
      n: d.n,
      imagesFile: list[0],
      labelsFile: list[0],
    };
  };
  const train = split(files.train);
  const test = files.test.length ? split(files.test) : undefined;
  return {
    name: spec.name,
    source: 'path',
    dir: files.dir,
    train,
    ...(test ? { test } : {}),
    ...(files.classNames ? { classNames: files.classNames } : {}),
    height: 32,
    width: 32,
    channels: 3,
    classes: spec.classes,
    testAsTrain: false,
    description: `${spec.name} from ${files.dir}: ${train.n} training${test ? ` and ${test.n} test` : ''} images, 32×32×3, ${spec.classes} classes`,
    warnings: test ? [] : [`no ${spec.test.join(', ')} in ${files.dir}: there is no test split`],
    fingerprint: [...files.train, ...files.test].map(fileStamp),
  };
}
