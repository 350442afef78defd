import * as tf from '@tensorflow/tfjs-core';

/**
 * Batch norm over the batch's statistics, optionally followed by ReLU6, as ONE op with a
 * hand-written gradient. tfjs's generic gradient of the same formula records dozens of
 * element-wise ops and reductions over the leading axes, which the wasm backend runs by
 * transposing; here the forward pass takes two reductions and the backward pass two
 * reductions and eight element-wise ops:
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
    const mean = tf.mean(x2, 0, true);
    const centred = tf.sub(x2, mean);
    const variance = tf.mean(tf.square(centred), 0, true);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(centred, rstd);
    const z = tf.add(tf.mul(xhat, g), b);
    const y = relu6 ? tf.clipByValue(z, 0, 6) : z;
    // The ReLU6 mask: where clipping left z unchanged the gradient passes.
    const pass = relu6 ? tf.cast(tf.equal(y, z), 'float32') : undefined;
    save(pass ? [xhat, rstd, g, pass] : [xhat, rstd, g]);
    return {
      value: tf.reshape(y, [n, h, w, c]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, srstd, sg, spass] = saved;
        const dy2 = tf.reshape(dy, [m, c]);
        const dz = spass ? tf.mul(dy2, spass) : dy2;
        const dbeta = tf.sum(dz, 0, true);
        const dgamma = tf.sum(tf.mul(dz, sxhat), 0, true);
        const inner = tf.sub(tf.sub(dz, tf.div(dbeta, m)), tf.mul(sxhat, tf.div(dgamma, m)));
        const dx = tf.mul(inner, tf.mul(srstd, sg));
        return [tf.reshape(dx, [n, h, w, c]), tf.reshape(dgamma, [c]), tf.reshape(dbeta, [c])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, gamma, beta) as tf.Tensor4D;
}
