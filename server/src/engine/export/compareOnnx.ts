import * as ort from '../onnx/runtime';
import { INPUT_NAME, OUTPUT_NAME } from '../onnx/onnxGraph';

/** Two ONNX models of one subnet run on the same labelled images. */
export interface ModelComparison {
  /** Largest |candidate logit − reference logit| over all images and classes. */
  maxAbsDiff: number;
  /** Share of images whose argmax class is the same in both. */
  agreement: number;
  referenceAccuracy: number;
  candidateAccuracy: number;
  images: number;
}

const argmax = (xs: ArrayLike<number>, from: number, k: number): number => {
  let best = 0;
  for (let j = 1; j < k; j++) if (xs[from + j] > xs[from + best]) best = j;
  return best;
};

/**
 * Runs `reference` and `candidate` (model bytes; in practice a float32 model and its int8
 * quantisation) in onnxruntime-node, all graph optimisations on (so an int8 model runs on
 * the integer kernels it would run on when deployed), on `images` (NCHW float32, [n, c, h,
 * w]) and compares their logits and accuracies against `labels`.
 */
export async function compareModels(
  reference: Uint8Array,
  candidate: Uint8Array,
  images: Float32Array,
  image: readonly [number, number, number],
  labels: ArrayLike<number>,
  batchSize = 256,
): Promise<ModelComparison> {
  const [c, h, w] = image;
  const n = labels.length;
  if (images.length !== n * c * h * w)
    throw new Error(`Expected ${n}×${c}×${h}×${w} image values, got ${images.length}`);
  const options = { graphOptimizationLevel: 'all' } as const;
  const sessions = [
    await ort.InferenceSession.create(reference, options),
    await ort.InferenceSession.create(candidate, options),
  ];
  let maxAbsDiff = 0;
  let agree = 0;
  const correct = [0, 0];
  try {
    for (let from = 0; from < n; from += batchSize) {
      const b = Math.min(batchSize, n - from);
      const x = images.subarray(from * c * h * w, (from + b) * c * h * w);
      const input = new ort.Tensor('float32', x, [b, c, h, w]);
      const logits: Float32Array[] = [];
      for (const s of sessions) {
        const out = await s.run({ [INPUT_NAME]: input });
        logits.push((out[OUTPUT_NAME].data as Float32Array).slice());
        for (const t of Object.values(out)) t.dispose();
      }
      input.dispose();
      const [ref, cand] = logits;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(cand[i] - ref[i]);
        maxAbsDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxAbsDiff, d);
      }
      const k = ref.length / b;
      for (let i = 0; i < b; i++) {
        const classes = [argmax(ref, i * k, k), argmax(cand, i * k, k)];
        if (classes[0] === classes[1]) agree++;
        const y = labels[from + i];
        classes.forEach((cls, m) => (correct[m] += cls === y ? 1 : 0));
      }
    }
  } finally {
    for (const s of sessions) await s.release();
  }
  return {
    maxAbsDiff,
    agreement: n > 0 ? agree / n : 1,
    referenceAccuracy: n > 0 ? correct[0] / n : 0,
    candidateAccuracy: n > 0 ? correct[1] / n : 0,
    images: n,
  };
}
