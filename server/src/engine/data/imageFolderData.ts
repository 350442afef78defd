import * as path from 'node:path';
import type { TaskConfig } from '../../config/configSchema';
import { DataError } from '../../datasets/idx';
import { scanImageFolder, type FolderImage, type FolderScan } from '../../datasets/imageFolder';
import { cacheDirFor, fingerprint, readCache, writeCache } from './dataCache';
import { decodeImage } from './imageDecode';

/** Images decoded at once: sharp works on its own thread pool. */
const CONCURRENCY = 8;
/** File names of skipped images named in the run's log. */
const NAMED_SKIPS = 5;

/** A folder's images decoded to the task's input size, train and val apart. */
export interface DecodedFolder {
  scan: FolderScan;
  /** N × H × W × C bytes, in the order of `labels`; train images first, then val. */
  pixels: Uint8Array;
  labels: Int32Array;
  train: number;
  val: number;
  /** Images that could not be decoded (not counted above), relative to the folder. */
  skipped: string[];
  /** Whether the pixels came from the cache. */
  cached: boolean;
  /** Decoded images per second (0 when cached). */
  imagesPerSec: number;
}

interface CacheHeader {
  labels: number[];
  train: number;
  val: number;
  skipped: string[];
}

const CACHE_VERSION = 1;

/**
 * Reads an image folder for a task: refuses layouts that cannot train (an empty class, a
 * class missing from val), then decodes every image once, skipping unreadable ones, and
 * keeps the result in the cache for the next run.
 */
export async function loadImageFolder(
  dir: string,
  task: TaskConfig,
  onProgress?: (done: number, of: number) => void,
): Promise<DecodedFolder> {
  const scan = scanImageFolder(dir);
  const blocking = scan.problems.find((p) => p.severity === 'error');
  if (blocking) throw new DataError(dir, blocking.message);
  if (scan.classes.length !== task.classes)
    throw new DataError(
      dir,
      `has ${scan.classes.length} classes (${scan.classes.join(', ')}) but task.classes is ${task.classes}`,
    );
  const [h, w, c] = task.input;
  if (c !== 1 && c !== 3)
    throw new DataError(dir, `images have 1 or 3 channels; task.input asks for ${c}`);
  const key = fingerprint({
    v: CACHE_VERSION,
    size: [h, w, c],
    files: scan.images.map((im) => [im.file, im.bytes, im.mtimeMs, im.split, im.label]),
  });
  const cacheFile = path.join(cacheDirFor(dir), `images-${key}.bin`);
  const hit = readCache<CacheHeader>(cacheFile);
  if (hit) {
    const { header, payload } = hit;
    return {
      scan,
      pixels: payload,
      labels: Int32Array.from(header.labels),
      train: header.train,
      val: header.val,
      skipped: header.skipped,
      cached: true,
      imagesPerSec: 0,
    };
  }
  const decoded = await decodeAll(scan.images, dir, [h, w, c as 1 | 3], onProgress);
  writeCache<CacheHeader>(
    cacheFile,
    {
      labels: Array.from(decoded.labels),
      train: decoded.train,
      val: decoded.val,
      skipped: decoded.skipped,
    },
    decoded.pixels,
  );
  if (decoded.train === 0) throw new DataError(dir, 'none of its training images could be decoded');
  return { scan, ...decoded, cached: false };
}

async function decodeAll(
  images: FolderImage[],
  dir: string,
  [h, w, c]: [number, number, 1 | 3],
  onProgress?: (done: number, of: number) => void,
): Promise<Omit<DecodedFolder, 'scan' | 'cached'>> {
  const px = h * w * c;
  const out: (Uint8Array | undefined)[] = new Array(images.length);
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < images.length; i = next++) {
      try {
        out[i] = await decodeImage(path.join(dir, images[i].file), h, w, c);
      } catch {
        out[i] = undefined; // a corrupt or unreadable file: skipped, counted, named in the log
      }
      if (++done % 500 === 0) onProgress?.(done, images.length);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const kept = images.map((im, i) => ({ im, bytes: out[i] })).filter((x) => x.bytes !== undefined);
  const pixels = new Uint8Array(kept.length * px);
  const labels = new Int32Array(kept.length);
  kept.forEach((x, i) => {
    pixels.set(x.bytes!, i * px);
    labels[i] = x.im.label;
  });
  const skipped = images.filter((_, i) => out[i] === undefined).map((im) => im.file);
  const seconds = (performance.now() - t0) / 1000;
  return {
    pixels,
    labels,
    train: kept.filter((x) => x.im.split === 'train').length,
    val: kept.filter((x) => x.im.split === 'val').length,
    skipped,
    imagesPerSec: images.length / Math.max(seconds, 1e-6),
  };
}

/** The run log's line about skipped images: how many, and the first few names. */
export function skippedNote(dir: string, skipped: string[]): string | undefined {
  if (!skipped.length) return undefined;
  const names = skipped.slice(0, NAMED_SKIPS).join(', ');
  return `skipped ${skipped.length} image${skipped.length === 1 ? '' : 's'} of ${dir} that could not be decoded: ${names}${skipped.length > NAMED_SKIPS ? ', …' : ''}`;
}
