import * as tf from '@tensorflow/tfjs-core';
import { composedKernel } from './composedKernel';

/**
 * UnsortedSegmentSum, which the gradient of Gather needs and wasm lacks, as one matmul with a
 * one-hot segment matrix. A negative id has an all-zero one-hot row, so its value is dropped,
 * as in TensorFlow.
 */
export function unsortedSegmentSumKernel(backendName: string): tf.KernelConfig {
  return composedKernel<tf.UnsortedSegmentSumAttrs>(
    tf.UnsortedSegmentSum,
    backendName,
    ({ x, segmentIds }, { numSegments }) => {
      const ids = tf.reshape(segmentIds, [-1]);
      const innerShape = x.shape.slice(segmentIds.rank);
      const rows = tf.reshape(tf.cast(x, 'float32'), [ids.size, -1]);
      // wasm's OneHot writes integer bit patterns into float32 outputs, hence int32 and a cast;
      // transposed up front because the backend's matmul is fast only without transposeA.
      const oneHot = tf.oneHot(tf.cast(ids, 'int32'), numSegments);
      const membership = tf.transpose(tf.cast(oneHot, 'float32'));
      const sums = tf.matMul(membership, rows);
      return tf.cast(tf.reshape(sums, [numSegments, ...innerShape]), x.dtype);
    },
  );
}
