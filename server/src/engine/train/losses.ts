import * as tf from '@tensorflow/tfjs-core';

/** Mean cross-entropy of logits against integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const onehot = tf.oneHot(labels, logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/**
 * In-place distillation: mean KL(teacher ‖ student) over the batch, with the teacher's
 * probabilities detached (they are a plain tensor computed outside the gradient).
 */
export function distillationLoss(studentLogits: tf.Tensor2D, teacherProbs: tf.Tensor2D): tf.Scalar {
  const logT = tf.log(tf.maximum(teacherProbs, 1e-12));
  return tf.mean(tf.sum(tf.mul(teacherProbs, tf.sub(logT, tf.logSoftmax(studentLogits))), 1)) as tf.Scalar;
}

/** Per-image ‖softmax(z) − onehot(y)‖₂: PA&DA's data importance. */
export function predictionErrorNorms(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(tf.softmax(logits), tf.oneHot(labels, logits.shape[1]))), 1)) as tf.Tensor1D);
}

/** Correct top-1 predictions in a batch. */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): number {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'int32')).dataSync()[0]);
}
