import * as tf from '@tensorflow/tfjs-core';
import {
  bnInputGrad,
  bnNormalize,
  columnCentredSquares,
  columnDot,
  columnSum,
  relu6Grad,
} from '../backend/simdOps';

/**
 * Batch norm over the batch's statistics, optionally followed by ReLU6, as ONE op with a
 * hand-written gradient. tfjs's generic gradient of the same formula records dozens of
 * element-wise ops and reductions over the leading axes, which the wasm backend runs by
 * transposing; here the forward pass takes two reductions and the backward pass two
 * reductions and eight element-wise ops. On wasm each reduction over the m = n·h·w rows and
 * each per-channel formula is one SIMD pass (backend/simdOps.ts): three passes forward, four
 * backward, instead of a transpose and a Sum per reduction and an op per arithmetic step:
 *   x̂ = (x − μ)·σ⁻¹, z = γ·x̂ + β, y = clip(z, 0, 6)
 *   dz = dy·[0 < z < 6], dβ = Σ dz, dγ = Σ dz·x̂, dx = γ·σ⁻¹·(dz − dβ/M − x̂·dγ/M).
 */
export function batchNormTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  relu6: boolean,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const m = n * h * w;
  const op = tf.customGrad(((
    x4: tf.Tensor4D,
    g: tf.Tensor1D,
    b: tf.Tensor1D,
    save: tf.GradSaveFunc,
  ) => {
    const x2 = tf.reshape(x4, [m, c]);
    const mean = tf.div(columnSum(x2), m);
    const variance = tf.div(columnCentredSquares(x2, mean), m);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const { xhat, y } = bnNormalize(x2, mean, rstd, g, b, relu6);
    save(relu6 ? [xhat, rstd, g, y] : [xhat, rstd, g]);
    return {
      value: tf.reshape(y, [n, h, w, c]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, srstd, sg, sy] = saved;
        const dy2 = tf.reshape(dy, [m, c]);
        const dz = sy ? relu6Grad(dy2, sy) : dy2;
        const dbeta = columnSum(dz);
        const dgamma = columnDot(dz, sxhat);
        const dx = bnInputGrad(dz, sxhat, tf.div(dbeta, m), tf.div(dgamma, m), tf.mul(srstd, sg));
        return [tf.reshape(dx, [n, h, w, c]), tf.reshape(dgamma, [c]), tf.reshape(dbeta, [c])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, gamma, beta) as tf.Tensor4D;
}
