import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean over the batch of per-image losses, weighted when `weights` is given (importance
 * sampling's 1/(n·pᵢ), which keeps the mean an unbiased estimate of the loss over the data).
 */
function batchMean(perImage: tf.Tensor1D, weights?: tf.Tensor1D): tf.Scalar {
  return (weights ? tf.mean(tf.mul(perImage, weights)) : tf.mean(perImage)) as tf.Scalar;
}

/** Mean cross-entropy of logits against integer labels. */
export function crossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  weights?: tf.Tensor1D,
): tf.Scalar {
  const onehot = tf.oneHot(labels, logits.shape[1]);
  return batchMean(
    tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1)) as tf.Tensor1D,
    weights,
  );
}

/**
 * In-place distillation: mean KL(teacher ‖ student) over the batch, with the teacher's
 * probabilities detached (they are a plain tensor computed outside the gradient).
 */
export function distillationLoss(
  studentLogits: tf.Tensor2D,
  teacherProbs: tf.Tensor2D,
  weights?: tf.Tensor1D,
): tf.Scalar {
  const logT = tf.log(tf.maximum(teacherProbs, 1e-12));
  return batchMean(
    tf.sum(tf.mul(teacherProbs, tf.sub(logT, tf.logSoftmax(studentLogits))), 1) as tf.Tensor1D,
    weights,
  );
}

/**
 * Fine-tuning's loss parts (OFA's `kd_ratio` 1): KL(teacher ‖ subnet) against the frozen
 * teacher's probabilities and cross-entropy against the labels, each kept so the caller can
 * report both; their sum is the loss.
 */
export function softTargetLoss(
  z: tf.Tensor2D,
  y: tf.Tensor1D,
  teacherProbs: tf.Tensor2D,
  weights?: tf.Tensor1D,
): { kd: tf.Scalar; ce: tf.Scalar } {
  return {
    kd: tf.keep(distillationLoss(z, teacherProbs, weights)),
    ce: tf.keep(crossEntropy(z, y, weights)),
  };
}

/** Per-image ‖softmax(z) − onehot(y)‖₂: PA&DA's data importance. */
export function predictionErrorNorms(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.sqrt(
        tf.sum(tf.square(tf.sub(tf.softmax(logits), tf.oneHot(labels, logits.shape[1]))), 1),
      ) as tf.Tensor1D,
  );
}

/** Correct top-1 predictions in a batch. */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): number {
  return tf.tidy(
    () =>
      tf
        .sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'int32'))
        .dataSync()[0],
  );
}
