import * as tf from '@tensorflow/tfjs-core';
import { setBatchNormReducer } from '../model/batchNorm';
import type { Supernet } from '../model/supernet';
import { crossEntropy, predictionErrorNorms, softTargetLoss } from '../model/losses';
import type { SampledSubnet } from '../train/samplers/samplerTypes';
import { BatchNormExchange } from './batchNormExchange';
import { writeGradients, type SharedViews } from './sharedStep';

/**
 * Data-parallel steps: ONE subnet, the batch split into contiguous shards, one per thread
 * (the main thread takes the first). Each thread computes the forward and backward pass of
 * its shard on its replica of the weights, with batch norm synchronised across the threads
 * (BatchNormExchange), and writes its gradient to its slot; the main thread sums the slots in
 * thread order and applies one update. Up to float rounding, this is the one-thread step on
 * the whole batch.
 */
export interface ShardJob {
  gen: number;
  subnet: SampledSubnet;
  /** Images in the whole batch. */
  batch: number;
  threads: number;
  /** [h, w, c] of one image. */
  image: [number, number, number];
  hasWeights: boolean;
  wantErrorNorms: boolean;
  /**
   * Fine-tuning: the frozen teacher's probabilities of the whole batch are in the shared
   * `teacher` buffer; each shard's loss is KL(teacher ‖ subnet) + cross-entropy on its rows.
   */
  softTargets?: boolean;
}

/** What a thread reports for its shard. */
export interface ShardResult {
  rank: number;
  /** The shard's cross-entropy scaled by its share of the batch: the shards' add up. */
  ce: number;
  /** With soft targets: the shard's KL(teacher ‖ subnet), scaled the same way. */
  distill?: number;
  /** ‖softmax(z) − onehot(y)‖₂ of the shard's images (only when asked for). */
  errorNorms?: Float32Array;
}

/**
 * Thread `rank`'s images: contiguous, the first `batch % threads` shards one image larger,
 * so the split depends on the batch size and thread count only.
 */
export function shardOf(
  batch: number,
  threads: number,
  rank: number,
): { start: number; size: number } {
  const base = Math.floor(batch / threads);
  const extra = batch % threads;
  return { start: rank * base + Math.min(rank, extra), size: base + (rank < extra ? 1 : 0) };
}

/**
 * Forward and backward pass of the job's subnet on this thread's shard `x`, `y` (`weights`:
 * the shard's per-image loss weights). Every thread of the step must call it, or the others
 * wait at the first batch norm until their timeout.
 */
export function computeShard(
  net: Supernet,
  views: SharedViews,
  varIndex: ReadonlyMap<string, number>,
  job: ShardJob,
  rank: number,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  weights: tf.Tensor1D | undefined,
): ShardResult {
  // The loss is a mean over the batch: each shard's mean, weighted by its share, so that the
  // gradients reaching batch norm have the one-thread step's scale on every thread.
  const share = x.shape[0] / job.batch;
  let logits: tf.Tensor2D | undefined;
  let parts: { kd: tf.Scalar; ce: tf.Scalar } | undefined;
  const soft = job.softTargets ? teacherRows(views, job, rank) : undefined;
  setBatchNormReducer(new BatchNormExchange(views, rank, job.threads, job.batch));
  let step: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    step = tf.variableGrads(() => {
      const z = net.forward(job.subnet.arch, x, 'train');
      logits = tf.keep(z);
      if (soft) {
        parts = softTargetLoss(z, y, soft, weights);
        return tf.mul(tf.add(parts.kd, parts.ce), share) as tf.Scalar;
      }
      return tf.mul(crossEntropy(z, y, weights), share) as tf.Scalar;
    }, net.trainableVariables(job.subnet.arch));
  } catch (e) {
    logits?.dispose();
    throw e;
  } finally {
    setBatchNormReducer(undefined);
    soft?.dispose();
  }
  const { value, grads } = step;
  const z = logits!;
  try {
    const result: ShardResult = parts
      ? {
          rank,
          ce: parts.ce.dataSync()[0] * share,
          distill: parts.kd.dataSync()[0] * share,
        }
      : { rank, ce: value.dataSync()[0] };
    if (job.wantErrorNorms) {
      const e = predictionErrorNorms(z, y);
      result.errorNorms = e.dataSync() as Float32Array;
      e.dispose();
    }
    writeGradients(views, varIndex, rank, Object.entries(grads));
    return result;
  } finally {
    tf.dispose(Object.values(grads));
    tf.dispose(parts ? [value, z, parts.kd, parts.ce] : [value, z]);
  }
}

/** This thread's rows of the teacher's probabilities the main thread published. */
function teacherRows(views: SharedViews, job: ShardJob, rank: number): tf.Tensor2D {
  const { start, size } = shardOf(job.batch, job.threads, rank);
  const classes = views.buf.classes;
  return tf.tensor2d(views.teacher.slice(start * classes, (start + size) * classes), [
    size,
    classes,
  ]);
}
