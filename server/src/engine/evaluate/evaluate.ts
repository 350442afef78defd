import * as tf from '@tensorflow/tfjs-core';
import type { Arch } from '#shared/arch';
import { BatchAssembler, type TrainingData } from '../data/batches';
import type { Supernet } from '../model/supernet';
import { correctCount, crossEntropy } from '../model/losses';
import type { Evaluation } from '../onnx/onnxEvaluate';

export type { Evaluation } from '../onnx/onnxEvaluate';

/** The training images used for batch-norm recalibration: fixed, so every subnet sees the same ones. */
export function calibrationIndices(
  data: TrainingData,
  batches: number,
  batchSize: number,
): Int32Array[] {
  const out: Int32Array[] = [];
  const n = data.trainIndices.length;
  // A fixed stride through the training split spreads the images over all classes.
  const step = Math.max(1, Math.floor(n / (batches * batchSize)));
  for (let b = 0; b < batches; b++) {
    const idx = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++)
      idx[i] = data.trainIndices[((b * batchSize + i) * step) % n];
    out.push(idx);
  }
  return out;
}

/**
 * BigNAS/OFA evaluation of a subnet: recalibrate its batch-norm statistics on
 * `calibration` batches of training images, then top-1 accuracy and mean loss on the
 * validation split.
 */
export function evaluateSubnet(
  net: Supernet,
  arch: Arch,
  data: TrainingData,
  calibration: Int32Array[],
  chunk = 500,
): Evaluation {
  const assembler = new BatchAssembler(data);
  const gathered = calibration.map((idx) => assembler.gather(idx));
  try {
    net.calibrate(
      arch,
      gathered.map((g) => g.x),
    );
  } finally {
    for (const g of gathered) tf.dispose([g.x, g.y]);
  }
  const val = data.validationIndices;
  let correct = 0;
  let lossSum = 0;
  for (let i = 0; i < val.length; i += chunk) {
    const idx = val.subarray(i, Math.min(val.length, i + chunk));
    const { x, y } = assembler.gather(idx);
    const logits = tf.tidy(() => net.forward(arch, x, 'eval'));
    correct += correctCount(logits, y);
    lossSum += tf.tidy(() => crossEntropy(logits, y).dataSync()[0]) * idx.length;
    tf.dispose([x, y, logits]);
  }
  return {
    accuracy: val.length ? correct / val.length : 0,
    loss: val.length ? lossSum / val.length : 0,
    images: val.length,
  };
}
