import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { readIdx } from '../datasets/idx';
import { findBundledDataDir, IDX_FILES } from '../datasets/locate';
import { loadImageFolder } from '../engine/data/imageFolderData';
import type { TaskConfig } from '../config/configSchema';

export interface DecodeBench {
  images: number;
  size: string;
  /** Images per second decoding and resizing the folder (the first run). */
  first_img_s: number;
  /** Images per second reading the same folder again, from the cache. */
  cached_img_s: number;
  /** The decoder sharp used: native libvips or its WebAssembly build. */
  decoder: string;
}

/**
 * Image-folder throughput: the bundled Fashion-MNIST images written as 32×32 grey PNGs in
 * class folders, loaded once (decoded with sharp) and again (from the cache).
 */
export async function benchDecode(count = 10_000): Promise<DecodeBench> {
  const dir = mkdtempSync(path.join(tmpdir(), 'supernet-decode-'));
  try {
    const bundled = findBundledDataDir();
    const images = readIdx(path.join(bundled, `${IDX_FILES.testImages}.gz`), 'images');
    const labels = readIdx(path.join(bundled, `${IDX_FILES.testLabels}.gz`), 'labels');
    const n = Math.min(count, images.dims[0]);
    for (let c = 0; c < 10; c++) mkdirSync(path.join(dir, `class${c}`));
    for (let i = 0; i < n; i += 64)
      await Promise.all(
        Array.from({ length: Math.min(64, n - i) }, (_, k) =>
          sharp(Buffer.from(images.data.subarray((i + k) * 784, (i + k + 1) * 784)), {
            raw: { width: 28, height: 28, channels: 1 },
          })
            .resize(32, 32)
            .png()
            .toFile(path.join(dir, `class${labels.data[i + k]}`, `${i + k}.png`)),
        ),
      );
    const task = {
      dataset: 'folder',
      path: dir,
      input: [32, 32, 1],
      classes: 10,
    } as unknown as TaskConfig;
    const time = async () => {
      const t0 = performance.now();
      await loadImageFolder(dir, task);
      return n / ((performance.now() - t0) / 1000);
    };
    const first = await time();
    const cached = await time();
    const versions = (sharp as unknown as { versions: Record<string, string> }).versions;
    return {
      images: n,
      size: '32x32x1 PNG',
      first_img_s: Math.round(first),
      cached_img_s: Math.round(cached),
      decoder: versions.emscripten ? 'sharp (wasm32)' : `sharp (libvips ${versions.vips})`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
