import { createRequire } from 'node:module';
import type { Sharp, SharpOptions } from 'sharp';

/**
 * Decoding and resizing of image files with sharp (libvips): native where the package
 * carries this platform's binary, WebAssembly (@img/sharp-wasm32) elsewhere. Loaded on
 * first use, so that runs on IDX or CIFAR data never load it.
 */
type SharpFactory = (input?: string | Buffer, options?: SharpOptions) => Sharp;
let sharpFn: SharpFactory | undefined;

function sharp(): SharpFactory {
  if (!sharpFn) {
    const load = createRequire(__filename);
    try {
      sharpFn = load('sharp') as SharpFactory;
    } catch (e) {
      throw new Error(
        `Image folders need the sharp package, which could not be loaded: ${(e as Error).message}`,
      );
    }
  }
  return sharpFn;
}

/**
 * One image as height × width × channels bytes (channels 1: grey, 3: RGB; alpha dropped),
 * resized to cover the target and centre-cropped, as torchvision's Resize + CenterCrop do.
 */
export async function decodeImage(
  file: string,
  height: number,
  width: number,
  channels: 1 | 3,
): Promise<Uint8Array> {
  let img = sharp()(file, { failOn: 'error' }).rotate().removeAlpha();
  img = channels === 1 ? img.toColourspace('b-w') : img.toColourspace('srgb');
  const { data, info } = await img
    .resize(width, height, { fit: 'cover', position: 'centre' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== channels)
    throw new Error(
      `decoded to ${info.width}×${info.height}×${info.channels}, not ${width}×${height}×${channels}`,
    );
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
