import * as tf from '@tensorflow/tfjs-core';
import {
  BN_BACKWARD,
  BN_FORWARD,
  CENTRED_SQUARES,
  COLUMN_DOT,
  COLUMN_SUM,
  RELU6_GRAD,
} from './simdKernels';

/**
 * Ops with a one-pass SIMD kernel on wasm (backend/simdModule.ts) and a plain tf fallback
 * elsewhere. None records a gradient: they serve inside batch norm's hand-written forward
 * and backward passes.
 */

/**
 * Per-channel sums over the rows of an [m, c] tensor, kept as [1, c].
 */
export function columnSum(a: tf.Tensor): tf.Tensor2D {
  if (hasKernel(COLUMN_SUM, a)) return tf.engine().runKernel(COLUMN_SUM, { a }) as tf.Tensor2D;
  return tf.sum(a, 0, true);
}

/** Per-channel sums of a * b over the rows, as [1, c]. */
export function columnDot(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  if (hasKernel(COLUMN_DOT, a, b)) {
    return tf.engine().runKernel(COLUMN_DOT, { a, b }) as tf.Tensor2D;
  }
  return tf.sum(tf.mul(a, b), 0, true);
}

/**
 * The gradient of ReLU6 from its output: dy where 0 < y < 6, else 0 (as PyTorch's hardtanh
 * backward; at exactly 0 or 6 the gradient is 0).
 */
export function relu6Grad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (hasKernel(RELU6_GRAD, dy, y) && dy.size === y.size) {
    return tf.engine().runKernel(RELU6_GRAD, { dy, y }) as tf.Tensor;
  }
  const pass = tf.logicalAnd(tf.greater(y, 0), tf.less(y, 6));
  return tf.mul(dy, tf.cast(pass, 'float32'));
}

/** Per-channel sums of (x − mean)² over the rows of [m, c] `x`, as [1, c]. */
export function columnCentredSquares(x: tf.Tensor, mean: tf.Tensor): tf.Tensor2D {
  if (hasChannelwise(CENTRED_SQUARES, x, mean)) {
    return tf.engine().runKernel(CENTRED_SQUARES, { x, mean }) as tf.Tensor2D;
  }
  const centred = tf.sub(x, mean);
  return tf.sum(tf.mul(centred, centred), 0, true);
}

/**
 * Batch norm's normalisation of [m, c] `x` with per-channel mean, 1/σ, γ and β:
 * x̂ = (x − mean)·rstd and y = γ·x̂ + β, clipped to [0, 6] when `relu6`.
 */
export function bnNormalize(
  x: tf.Tensor,
  mean: tf.Tensor,
  rstd: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  relu6: boolean,
): { xhat: tf.Tensor; y: tf.Tensor } {
  if (hasChannelwise(BN_FORWARD, x, mean, rstd, gamma, beta)) {
    const [xhat, y] = tf
      .engine()
      .runKernel(BN_FORWARD, { x, mean, rstd, gamma, beta }, { relu6 }) as tf.Tensor[];
    return { xhat, y };
  }
  const xhat = tf.mul(tf.sub(x, mean), rstd);
  const z = tf.add(tf.mul(xhat, gamma), beta);
  return { xhat, y: relu6 ? tf.clipByValue(z, 0, 6) : z };
}

/** Batch norm's input gradient from dz and x̂: s·(dz − a − x̂·b), a, b, s per channel. */
export function bnInputGrad(
  dz: tf.Tensor,
  xhat: tf.Tensor,
  a: tf.Tensor,
  b: tf.Tensor,
  s: tf.Tensor,
): tf.Tensor {
  // x̂ is [m, c] like dz, not per channel: checked apart (passing it to hasChannelwise, whose
  // per-channel tensors must hold c values, sent every call to the four-pass fallback).
  if (hasChannelwise(BN_BACKWARD, dz, a, b, s) && sameRows(dz, xhat)) {
    return tf.engine().runKernel(BN_BACKWARD, { dz, xhat, a, b, s }) as tf.Tensor;
  }
  return tf.mul(tf.sub(tf.sub(dz, a), tf.mul(xhat, b)), s);
}

/** Both are float32 [m, c] of the same shape. */
function sameRows(a: tf.Tensor, b: tf.Tensor): boolean {
  return (
    b.rank === 2 && b.shape[0] === a.shape[0] && b.shape[1] === a.shape[1] && b.dtype === 'float32'
  );
}

/** The first tensor is [m, c], the others hold exactly c values: what the kernels index. */
function hasChannelwise(name: string, rows: tf.Tensor, ...perChannel: tf.Tensor[]): boolean {
  const c = rows.shape[1];
  return (
    rows.rank === 2 && perChannel.every((t) => t.size === c) && hasKernel(name, rows, ...perChannel)
  );
}

function hasKernel(name: string, ...xs: tf.Tensor[]): boolean {
  return (
    xs.every((x) => x.dtype === 'float32') && tf.getKernel(name, tf.getBackend()) !== undefined
  );
}
