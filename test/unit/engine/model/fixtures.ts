import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readIdx } from '../../../../server/src/datasets/idx';

// Compiled to out/test/unit/engine/model/, five levels below the repository root.
const ROOT = path.resolve(__dirname, '../../../../..');

/** The first `n` images and labels of the bundled Fashion-MNIST test split, pixels / 255. */
export function bundledBatch(n: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const dir = path.join(ROOT, 'data', 'fashion-mnist-subset');
  const images = readIdx(path.join(dir, 't10k-images-idx3-ubyte.gz'), 'images').data;
  const labels = readIdx(path.join(dir, 't10k-labels-idx1-ubyte.gz'), 'labels').data;
  const pixels = Float32Array.from(images.subarray(0, n * 28 * 28), (v) => v / 255);
  return {
    x: tf.tensor4d(pixels, [n, 28, 28, 1]),
    y: tf.tensor1d(Int32Array.from(labels.subarray(0, n)), 'int32'),
  };
}
