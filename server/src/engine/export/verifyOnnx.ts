import * as tf from '@tensorflow/tfjs-core';
import * as ort from '../onnx/runtime';
import type { Arch } from '#shared/arch';
import type { Supernet } from '../model/supernet';
import { INPUT_NAME, OUTPUT_NAME } from '../onnx/onnxGraph';

export interface VerifyResult {
  /** Largest |ONNX logit − supernet logit| over all images and classes. */
  maxAbsDiff: number;
  /** Fraction of images whose argmax class is the same in both. */
  agreement: number;
  /** Accuracy of each, when labels are given. */
  onnxAccuracy?: number;
  tfjsAccuracy?: number;
  images: number;
}

export interface VerifyOptions {
  /** Class of each image; accuracies are reported when given. */
  labels?: ArrayLike<number>;
  /** Images per run of either model (default 64). */
  batchSize?: number;
}

/** NHWC → NCHW for `n` images starting at image `from`. */
export function nhwcToNchw(
  images: Float32Array,
  from: number,
  n: number,
  h: number,
  w: number,
  c: number,
): Float32Array {
  const out = new Float32Array(n * c * h * w);
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    const src = (from + b) * hw * c;
    const dst = b * c * hw;
    for (let p = 0; p < hw; p++)
      for (let ch = 0; ch < c; ch++) out[dst + ch * hw + p] = images[src + p * c + ch];
  }
  return out;
}

const argmax = (xs: ArrayLike<number>, from: number, k: number): number => {
  let best = 0;
  for (let j = 1; j < k; j++) if (xs[from + j] > xs[from + best]) best = j;
  return best;
};

/**
 * Runs the exported model (onnxruntime-node, NCHW) and the supernet's `arch` (tfjs,
 * eval mode, NHWC) on the same `n` images of h×w×c (the task's input size), and
 * compares their logits.
 */
export async function verifyExport(
  file: string | Uint8Array,
  net: Supernet,
  arch: Arch,
  images: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  if (images.length !== n * h * w * c)
    throw new Error(`Expected ${n}×${h}×${w}×${c} image values, got ${images.length}`);
  if (options.labels && options.labels.length < n)
    throw new Error(`Expected ${n} labels, got ${options.labels.length}`);
  const session =
    typeof file === 'string'
      ? await ort.InferenceSession.create(file)
      : await ort.InferenceSession.create(file);
  const batchSize = Math.max(1, options.batchSize ?? 64);
  let maxAbsDiff = 0;
  let agree = 0;
  let onnxCorrect = 0;
  let tfjsCorrect = 0;
  try {
    for (let from = 0; from < n; from += batchSize) {
      const b = Math.min(batchSize, n - from);
      const input = new ort.Tensor('float32', nhwcToNchw(images, from, b, h, w, c), [b, c, h, w]);
      const result = await session.run({ [INPUT_NAME]: input });
      const onnxLogits = result[OUTPUT_NAME].data as Float32Array;
      const tfjsLogits = tf.tidy(() => {
        const x = tf.tensor4d(images.subarray(from * h * w * c, (from + b) * h * w * c), [
          b,
          h,
          w,
          c,
        ]);
        return net.forward(arch, x, 'eval').dataSync() as Float32Array;
      });
      if (onnxLogits.length !== tfjsLogits.length)
        throw new Error(
          `The ONNX model gives ${onnxLogits.length} logits for ${b} images, the supernet ${tfjsLogits.length}`,
        );
      for (let i = 0; i < onnxLogits.length; i++) {
        const d = Math.abs(onnxLogits[i] - tfjsLogits[i]);
        // A NaN anywhere is a mismatch, not something Math.max should swallow.
        maxAbsDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxAbsDiff, d);
      }
      const k = onnxLogits.length / b;
      for (let i = 0; i < b; i++) {
        const a = argmax(onnxLogits, i * k, k);
        const t = argmax(tfjsLogits, i * k, k);
        if (a === t) agree++;
        if (options.labels) {
          const y = options.labels[from + i];
          if (a === y) onnxCorrect++;
          if (t === y) tfjsCorrect++;
        }
      }
      for (const t of Object.values(result)) t.dispose();
      input.dispose();
    }
  } finally {
    await session.release();
  }
  const out: VerifyResult = { maxAbsDiff, agreement: n > 0 ? agree / n : 1, images: n };
  if (options.labels && n > 0) {
    out.onnxAccuracy = onnxCorrect / n;
    out.tfjsAccuracy = tfjsCorrect / n;
  }
  return out;
}
