import * as path from 'node:path';
import type { TaskConfig } from '../../config/configSchema';
import { DataError } from '../../datasets/idx';
import { loadImageFolder, skippedNote } from './imageFolderData';
import {
  scaledPixels,
  type DataSplit,
  type LoadedDataset,
  type LoadOptions,
} from './loadedDataset';

/** A folder of images, decoded (or read from its cache) at the task's input size. */
export async function loadFolderDataset(
  task: TaskConfig,
  opts: LoadOptions,
): Promise<LoadedDataset> {
  if (task.path === undefined)
    throw new DataError(
      opts.configDir,
      'dataset: folder needs task.path: the folder of the class folders',
    );
  const dir = path.resolve(opts.configDir, task.path);
  const d = await loadImageFolder(dir, task);
  const [h, w, c] = task.input;
  const px = h * w * c;
  const part = (from: number, n: number, what: string): DataSplit => ({
    images: scaledPixels(d.pixels.subarray(from * px, (from + n) * px)),
    labels: d.labels.slice(from, from + n),
    n,
    imagesFile: path.join(dir, what),
    labelsFile: path.join(dir, what),
  });
  const train = part(0, d.train, d.scan.layout === 'splits' ? 'train' : '.');
  const heldOut = d.val ? part(d.train, d.val, 'val') : undefined;
  const how = d.cached ? 'from the cache' : `decoded at ${Math.round(d.imagesPerSec)} images/s`;
  const warnings = [skippedNote(dir, d.skipped)].filter((x): x is string => x !== undefined);
  return {
    name: `image folder ${path.basename(dir)}`,
    source: 'path',
    dir,
    train,
    ...(heldOut ? { heldOut } : {}),
    classNames: d.scan.classes,
    height: h,
    width: w,
    channels: c,
    classes: d.scan.classes.length,
    testAsTrain: false,
    description:
      `image folder ${dir}: ${d.train} training${heldOut ? ` and ${d.val} validation` : ''} images ` +
      `(${how}), ${h}×${w}×${c}, ${d.scan.classes.length} classes: ${d.scan.classes.slice(0, 10).join(', ')}${d.scan.classes.length > 10 ? ', …' : ''}`,
    warnings,
    fingerprint: { folder: dir, files: d.scan.images.map((im) => [im.file, im.bytes, im.mtimeMs]) },
  };
}
