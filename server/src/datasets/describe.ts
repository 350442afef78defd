import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { TaskConfig } from '../config/configSchema';
import { CIFAR, CIFAR_SHAPE, cifarFiles, cifarRecords, type CifarKind } from './cifar';
import { DataError, readIdxHeader } from './idx';
import { scanImageFolder } from './imageFolder';
import { folderFiles, hasData, type FolderFiles } from './locate';

/** A task field a data problem is shown on. */
export type DataField = 'path' | 'input' | 'classes' | 'dataset';

export interface DataProblem {
  field: DataField;
  severity: 'error' | 'warning';
  message: string;
}

/**
 * What the editor says about a task's data without loading it: where it is, its classes,
 * images per split, the size it is stored at, and what is wrong with it (an empty class, a
 * class missing from val, a shape that does not match `task.input`, a broken file).
 */
export interface DataFacts {
  kind: string;
  dir: string;
  classes?: string[];
  classCount?: number;
  splits: { train: number; validation?: number; test?: number };
  /** [height, width, channels] as stored; absent for image folders (resized to the input). */
  storedSize?: [number, number, number];
  problems: DataProblem[];
}

export interface DescribeOptions {
  /** The folder of the config: `task.path` is relative to it. */
  configDir: string;
  /** Folders tried for Fashion-MNIST without a path (the system one, the bundled subset). */
  fashionMnistDirs?: string[];
}

const wrongShape = (stored: number[], task: TaskConfig, what: string): DataProblem[] => {
  const [h, w, c] = task.input;
  return stored[0] === h && stored[1] === w && stored[2] === c
    ? []
    : [
        {
          field: 'input',
          severity: 'error',
          message: `${what} are ${stored.join('×')} but task.input is [${task.input.join(', ')}]: use [${stored.join(', ')}].`,
        },
      ];
};

const wrongClasses = (n: number, task: TaskConfig, names?: string[]): DataProblem[] =>
  n === task.classes
    ? []
    : [
        {
          field: 'classes',
          severity: 'error',
          message: `The data has ${n} classes${names ? ` (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})` : ''} but task.classes is ${task.classes}.`,
        },
      ];

function describeFolder(dir: string, task: TaskConfig): DataFacts {
  const scan = scanImageFolder(dir);
  const problems: DataProblem[] = scan.problems.map((p) => ({ field: 'path', ...p }));
  problems.push(...wrongClasses(scan.classes.length, task, scan.classes));
  return {
    kind: 'image folder',
    dir,
    classes: scan.classes,
    classCount: scan.classes.length,
    splits: {
      train: scan.counts.train,
      ...(scan.layout === 'splits' ? { validation: scan.counts.val } : {}),
    },
    problems,
  };
}

function describeCifar(dir: string, task: TaskConfig, kind: CifarKind): DataFacts {
  const files = cifarFiles(dir, kind);
  const problems: DataProblem[] = [];
  const count = (list: string[]) =>
    list.reduce((n, f) => {
      try {
        return n + cifarRecords(f, kind);
      } catch (e) {
        problems.push({ field: 'path', severity: 'error', message: (e as Error).message });
        return n;
      }
    }, 0);
  const train = count(files.train);
  const test = count(files.test);
  problems.push(...wrongShape(CIFAR_SHAPE, task, `${CIFAR[kind].name} images`));
  problems.push(...wrongClasses(CIFAR[kind].classes, task, files.classNames));
  return {
    kind: CIFAR[kind].name,
    dir: files.dir,
    ...(files.classNames ? { classes: files.classNames } : {}),
    classCount: CIFAR[kind].classes,
    splits: { train, ...(files.test.length ? { test } : {}) },
    storedSize: CIFAR_SHAPE,
    problems,
  };
}

function describeIdx(files: FolderFiles, task: TaskConfig, kind: string): DataFacts {
  const pair = files.train ?? files.test!;
  const dims = readIdxHeader(pair.images, 'images');
  const stored: [number, number, number] = [dims[1], dims[2], dims[3] ?? 1];
  const test =
    files.train && files.test ? readIdxHeader(files.test.images, 'images')[0] : undefined;
  return {
    kind,
    dir: files.dir,
    splits: { train: dims[0], ...(test !== undefined ? { test } : {}) },
    storedSize: stored,
    problems: wrongShape(stored, task, 'The images'),
  };
}

/**
 * The facts of a task's data, or undefined when there is nothing to describe (no folder
 * given and none of the default ones present). A broken folder or file is a problem on
 * `task.path`, never an exception.
 */
export function describeData(task: TaskConfig, o: DescribeOptions): DataFacts | undefined {
  const dir = task.path !== undefined ? path.resolve(o.configDir, task.path) : undefined;
  try {
    if (task.dataset === 'folder') return dir ? describeFolder(dir, task) : undefined;
    if (task.dataset === 'cifar10' || task.dataset === 'cifar100')
      return dir ? describeCifar(dir, task, task.dataset) : undefined;
    const candidates = dir
      ? [dir]
      : task.dataset === 'fashion-mnist'
        ? (o.fashionMnistDirs ?? [])
        : [];
    const kind =
      task.dataset === 'idx'
        ? 'IDX data set'
        : task.dataset === 'mnist'
          ? 'MNIST'
          : 'Fashion-MNIST';
    for (const c of candidates) {
      if (!existsSync(c)) continue;
      const files = folderFiles(c);
      if (hasData(files)) return describeIdx(files, task, kind);
    }
    if (!dir) return undefined;
    const message = `No IDX data in ${dir}: expected train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (or the t10k-* files).`;
    return {
      kind,
      dir,
      splits: { train: 0 },
      problems: [{ field: 'path', severity: 'error', message }],
    };
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    return {
      kind: task.dataset,
      dir: dir ?? '',
      splits: { train: 0 },
      problems: [{ field: 'path', severity: 'error', message: e.message }],
    };
  }
}
