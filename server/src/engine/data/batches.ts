import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '#shared/rng';

/** Images in memory (NHWC float32 in [0, 1]) with the train/validation split as index lists. */
export interface TrainingData {
  images: Float32Array;
  labels: Uint8Array | Int32Array;
  height: number;
  width: number;
  channels: number;
  trainIndices: Int32Array;
  validationIndices: Int32Array;
  /** How the images were normalised from pixel/255 (absent: not at all). */
  normalization?: { mean: number[]; std: number[] };
  /** Augmentation of the training batches (absent: none). */
  augment?: { crop: number; flip: boolean };
}

/**
 * Copies the images and labels at `indices` into tensors. The copy buffer is reused
 * between calls of the same size, so a step allocates only the tensors themselves.
 */
export class BatchAssembler {
  private buf = new Float32Array(0);
  private lab = new Int32Array(0);

  constructor(private readonly data: TrainingData) {}

  get pixels(): number {
    return this.data.height * this.data.width * this.data.channels;
  }

  /**
   * The images and labels at `indices`; with `augment` (a training batch of data that has
   * augmentation), each image randomly cropped and flipped with draws from `augment`.
   */
  gather(indices: ArrayLike<number>, augment?: Rng): { x: tf.Tensor4D; y: tf.Tensor1D } {
    const n = indices.length;
    const px = this.pixels;
    if (this.buf.length !== n * px) {
      this.buf = new Float32Array(n * px);
      this.lab = new Int32Array(n);
    }
    const { images, labels } = this.data;
    const aug = augment && this.data.augment;
    for (let i = 0; i < n; i++) {
      const j = indices[i];
      const src = images.subarray(j * px, (j + 1) * px);
      if (aug) this.augmentInto(src, i * px, aug.crop, aug.flip, augment);
      else this.buf.set(src, i * px);
      this.lab[i] = labels[j];
    }
    return {
      x: tf.tensor4d(this.buf, [n, this.data.height, this.data.width, this.data.channels]),
      y: tf.tensor1d(this.lab, 'int32'),
    };
  }

  /**
   * Random crop of the image padded by `crop` pixels (with the value a black pixel has after
   * normalisation), then a horizontal flip half the time: torchvision's RandomCrop(padding)
   * and RandomHorizontalFlip. Three draws per image, always, so the stream stays aligned.
   */
  private augmentInto(src: Float32Array, at: number, crop: number, flip: boolean, rng: Rng): void {
    const { height: h, width: w, channels: c } = this.data;
    const dy = rng.int(2 * crop + 1) - crop;
    const dx = rng.int(2 * crop + 1) - crop;
    const mirror = rng.next() < 0.5 && flip;
    const pad = this.padValues();
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      for (let x = 0; x < w; x++) {
        const sx0 = (mirror ? w - 1 - x : x) + dx;
        const out = at + (y * w + x) * c;
        if (sy < 0 || sy >= h || sx0 < 0 || sx0 >= w) {
          for (let k = 0; k < c; k++) this.buf[out + k] = pad[k];
        } else {
          const from = (sy * w + sx0) * c;
          for (let k = 0; k < c; k++) this.buf[out + k] = src[from + k];
        }
      }
    }
  }

  private pad?: number[];
  private padValues(): number[] {
    const n = this.data.normalization;
    this.pad ??= Array.from({ length: this.data.channels }, (_, k) =>
      n ? (0 - n.mean[k]) / n.std[k] : 0,
    );
    return this.pad;
  }
}
