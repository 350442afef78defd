import * as tf from '@tensorflow/tfjs-core';

/** Images in memory (NHWC float32 in [0, 1]) with the train/validation split as index lists. */
export interface TrainingData {
  images: Float32Array;
  labels: Uint8Array | Int32Array;
  height: number;
  width: number;
  channels: number;
  trainIndices: Int32Array;
  validationIndices: Int32Array;
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

  gather(indices: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor1D } {
    const n = indices.length;
    const px = this.pixels;
    if (this.buf.length !== n * px) {
      this.buf = new Float32Array(n * px);
      this.lab = new Int32Array(n);
    }
    const { images, labels } = this.data;
    for (let i = 0; i < n; i++) {
      const j = indices[i];
      this.buf.set(images.subarray(j * px, (j + 1) * px), i * px);
      this.lab[i] = labels[j];
    }
    return {
      x: tf.tensor4d(this.buf, [n, this.data.height, this.data.width, this.data.channels]),
      y: tf.tensor1d(this.lab, 'int32'),
    };
  }
}
