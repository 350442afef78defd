import * as tf from '@tensorflow/tfjs-core';
import { bnNormalize, columnCentredSquares, columnSum } from '../backend/simdOps';
import { batchNormTrain } from './batchNorm';

export const BN_EPSILON = 1e-5;

/**
 * How batch norm normalises: with the batch's statistics ('train' and 'calibrate'),
 * or with the stored running statistics ('eval').
 */
export type BnMode = 'train' | 'eval' | 'calibrate';

/** Weights of one convolution and its batch norm, already sliced to the subnet's sizes. */
export interface ConvBnWeights {
  kernel: tf.Tensor4D;
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** Batch statistics seen by one batch norm in 'calibrate' mode. */
export interface BnBatchStats {
  layer: string;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

export interface ConvSpec {
  name: string;
  stride: number;
  depthwise: boolean;
  relu6: boolean;
}

/**
 * Convolution ('same' padding) → batch norm → optional ReLU6. The supernet and the
 * extracted subnets both run this one function, so they compute the same numbers.
 */
export function convBn(
  x: tf.Tensor4D,
  w: ConvBnWeights,
  spec: ConvSpec,
  mode: BnMode,
  stats?: BnBatchStats[],
): tf.Tensor4D {
  const y = conv(x, w.kernel, spec);
  if (mode === 'train') return batchNormTrain(y, w.gamma, w.beta, BN_EPSILON, spec.relu6);
  const [n, h, wd, c] = y.shape;
  const rows = n * h * wd;
  const y2 = tf.reshape(y, [rows, c]);
  let mean: tf.Tensor;
  let variance: tf.Tensor;
  if (mode === 'eval') {
    mean = w.mean;
    variance = w.variance;
  } else {
    // The statistics batchNormTrain uses, by the same reductions (one pass each on wasm).
    mean = tf.reshape(tf.div(columnSum(y2), rows), [c]);
    variance = tf.reshape(tf.div(columnCentredSquares(y2, mean), rows), [c]);
    if (mode === 'calibrate' && stats) {
      stats.push({
        layer: spec.name,
        mean: tf.keep(mean as tf.Tensor1D),
        variance: tf.keep(variance as tf.Tensor1D),
      });
    }
  }
  // Forward only (training goes through batchNormTrain), so the one-pass kernel, which
  // has no gradient, may serve.
  const rstd = tf.rsqrt(tf.add(variance, BN_EPSILON));
  const { y: out } = bnNormalize(y2, mean, rstd, w.gamma, w.beta, spec.relu6);
  return tf.reshape(out, [n, h, wd, c]);
}

/** A 'same'-padded convolution, full or depthwise. */
export function conv(x: tf.Tensor4D, kernel: tf.Tensor4D, spec: ConvSpec): tf.Tensor4D {
  return spec.depthwise
    ? tf.depthwiseConv2d(x, kernel, spec.stride, 'same')
    : tf.conv2d(x, kernel, spec.stride, 'same');
}

/** Global average pooling then the linear classifier. */
export function classify(x: tf.Tensor4D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(tf.mean(x, [1, 2]) as tf.Tensor2D, weight), bias);
}

/** Resize to the subnet's resolution (bilinear, half-pixel centres: ONNX Resize's 'half_pixel'). */
export function resizeInput(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  if (x.shape[1] === h && x.shape[2] === w) return x;
  return tf.image.resizeBilinear(x, [h, w], false, true);
}
