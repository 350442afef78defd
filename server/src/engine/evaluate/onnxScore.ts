import type { onnx } from 'onnx-proto';
import * as ort from '../onnx/runtime';
import {
  OUTPUT_NAME,
  batchMeanName,
  batchVarianceName,
  buildOnnxModel,
  encodeModel,
  type SubnetWeights,
} from '../onnx/onnxGraph';
import type { EvalInputs } from './evalInputs';
import type { SubnetScore } from './evaluate';

export type RunningStatistics = Map<string, { mean: Float32Array; variance: Float32Array }>;

/** A subnet's recalibrated batch-norm statistics and its score on the validation split. */
export interface ScoredWeights {
  stats: RunningStatistics;
  score: SubnetScore;
}

/**
 * Recalibrates a subnet's batch norm and scores it, all in onnxruntime, from its weights
 * alone (no tfjs): what both the engine's thread and an evaluation worker thread run.
 * `threads` is onnxruntime's intra-op thread count; `chunk` the validation images per run.
 */
export async function scoreWeights(
  weights: SubnetWeights,
  inputs: EvalInputs,
  threads: number,
  chunk: number,
): Promise<ScoredWeights> {
  const stats = await recalibrate(weights, inputs, threads);
  const convs = new Map(weights.convs);
  for (const [layer, s] of stats) convs.set(layer, { ...convs.get(layer)!, ...s });
  const model = buildOnnxModel({ ...weights, convs }, { input: inputs.input });
  return { stats, score: await validate(model, inputs, threads, chunk) };
}

/**
 * Batch-norm recalibration: the subnet's graph with batch statistics (onnxGraph.ts,
 * batchStatistics) run on each calibration batch, and per layer the average over batches
 * of the batch mean and variance, as Supernet.calibrate computes them.
 */
async function recalibrate(
  weights: SubnetWeights,
  inputs: EvalInputs,
  threads: number,
): Promise<RunningStatistics> {
  if (inputs.calibration.length === 0)
    throw new Error('Batch-norm recalibration needs at least one batch');
  const model = buildOnnxModel(weights, { input: inputs.input, batchStatistics: true });
  const session = await createSession(model, threads);
  const [h, w, c] = inputs.input;
  const layers = [...weights.convs.keys()];
  const sums = new Map(layers.map((l) => [l, { mean: [] as number[], variance: [] as number[] }]));
  try {
    const inputName = session.inputNames[0];
    for (const [i, images] of inputs.calibration.entries()) {
      const out = await session.run({
        [inputName]: new ort.Tensor('float32', images, [inputs.calibrationSizes[i], c, h, w]),
      });
      for (const layer of layers) {
        const acc = sums.get(layer)!;
        addInto(acc.mean, out[batchMeanName(layer)].data as Float32Array);
        addInto(acc.variance, out[batchVarianceName(layer)].data as Float32Array);
      }
      for (const t of Object.values(out)) t.dispose();
    }
  } finally {
    await session.release();
  }
  const n = inputs.calibration.length;
  return new Map(
    [...sums].map(([layer, s]) => [
      layer,
      {
        mean: Float32Array.from(s.mean, (v) => v / n),
        variance: Float32Array.from(s.variance, (v) => v / n),
      },
    ]),
  );
}

function addInto(acc: number[], values: Float32Array): void {
  for (let i = 0; i < values.length; i++) acc[i] = (acc[i] ?? 0) + values[i];
}

function createSession(model: onnx.IModelProto, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(model), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

/** Top-1 accuracy and mean cross-entropy of the eval-mode model on the validation split. */
async function validate(
  model: onnx.IModelProto,
  inputs: EvalInputs,
  threads: number,
  chunk: number,
): Promise<SubnetScore> {
  const session = await createSession(model, threads);
  const [h, w, c] = inputs.input;
  const px = h * w * c;
  const { labels } = inputs;
  const n = labels.length;
  let correct = 0;
  let lossSum = 0;
  try {
    const inputName = session.inputNames[0];
    for (let i = 0; i < n; i += chunk) {
      const m = Math.min(n, i + chunk) - i;
      const images = inputs.validation.subarray(i * px, (i + m) * px);
      const out = await session.run({
        [inputName]: new ort.Tensor('float32', images, [m, c, h, w]),
      });
      const logits = out[OUTPUT_NAME].data as Float32Array;
      const classes = logits.length / m;
      for (let b = 0; b < m; b++) {
        const label = labels[i + b];
        const { best, logSumExp } = rowStats(logits, b * classes, classes);
        if (best === label) correct++;
        lossSum += logSumExp - logits[b * classes + label];
      }
      for (const t of Object.values(out)) t.dispose();
    }
  } finally {
    await session.release();
  }
  return { accuracy: n ? correct / n : 0, loss: n ? lossSum / n : 0, images: n };
}

/** The first largest logit of a row (tf.argMax's choice) and log Σ exp of the row. */
function rowStats(
  logits: Float32Array,
  from: number,
  k: number,
): { best: number; logSumExp: number } {
  let best = 0;
  for (let j = 1; j < k; j++) if (logits[from + j] > logits[from + best]) best = j;
  const max = logits[from + best];
  let s = 0;
  for (let j = 0; j < k; j++) s += Math.exp(logits[from + j] - max);
  return { best, logSumExp: max + Math.log(s) };
}
