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
 * Synchronised batch norm for data-parallel steps: the batch is split across threads, and
 * each thread's batch norm must still normalise with the whole batch's statistics and
 * differentiate through them, or the threads' summed gradient would not be the batch's.
 */
export interface BatchNormReducer {
  /** Images in the whole batch, of which this thread holds a shard. */
  readonly batch: number;
  /** Σ of `partial` over every thread of the step: the same bits on every thread. */
  allReduce(partial: Float32Array): Float32Array;
}

let reducer: BatchNormReducer | undefined;

/**
 * Makes every batch norm of this thread sum its per-channel sums across the step's threads
 * through `r` (undefined: the thread's own batch, as in a one-thread step). Per thread: each
 * worker has its own copy of this module.
 */
export function setBatchNormReducer(r: BatchNormReducer | undefined): void {
  reducer = r;
}

/** `t`'s values summed across the threads, same shape. */
function reduced(r: BatchNormReducer, t: tf.Tensor): tf.Tensor {
  return tf.tensor(r.allReduce(t.dataSync() as Float32Array), t.shape);
}

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
 * With a reducer set (setBatchNormReducer), the Σ run over the whole batch across threads
 * and M counts its rows, while the returned dγ and dβ stay this shard's part: the step sums
 * the threads' weight gradients afterwards.
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
  // Taken now: the backward pass must reduce with the forward pass's threads.
  const r = reducer;
  const rows = r ? r.batch * h * w : m;
  const op = tf.customGrad(((
    x4: tf.Tensor4D,
    g: tf.Tensor1D,
    b: tf.Tensor1D,
    save: tf.GradSaveFunc,
  ) => {
    const x2 = tf.reshape(x4, [m, c]);
    const sum = columnSum(x2);
    const mean = tf.div(r ? reduced(r, sum) : sum, rows);
    const squares = columnCentredSquares(x2, mean);
    const variance = tf.div(r ? reduced(r, squares) : squares, rows);
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
        let [dbetaAll, dgammaAll] = [dbeta, dgamma];
        if (r) {
          // One exchange for both sums.
          const both = reduced(r, tf.concat([dbeta, dgamma], 1));
          [dbetaAll, dgammaAll] = tf.split(both, 2, 1);
        }
        const dx = bnInputGrad(
          dz,
          sxhat,
          tf.div(dbetaAll, rows),
          tf.div(dgammaAll, rows),
          tf.mul(srstd, sg),
        );
        return [tf.reshape(dx, [n, h, w, c]), tf.reshape(dgamma, [c]), tf.reshape(dbeta, [c])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, gamma, beta) as tf.Tensor4D;
}
