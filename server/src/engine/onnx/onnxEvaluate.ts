import type { onnx } from 'onnx-proto';
import { concatFloats } from '../floats';
import * as ort from './runtime';
import {
  OUTPUT_NAME,
  CALIBRATION_INPUT,
  batchMeanName,
  batchVarianceName,
  buildCalibrationModel,
  buildOnnxModel,
  encodeModel,
  type SubnetWeights,
} from './onnxGraph';
import type { EvalInputs } from './evalInputs';

/** A subnet's accuracy and loss on the validation split, and on how many images. */
export interface Evaluation {
  accuracy: number;
  loss: number;
  images: number;
}

export type RunningStatistics = Map<string, { mean: Float32Array; variance: Float32Array }>;

/** A subnet's recalibrated batch-norm statistics and its evaluation on the validation split. */
export interface EvaluatedWeights {
  stats: RunningStatistics;
  evaluation: Evaluation;
}

/**
 * Recalibrates a subnet's batch norm and evaluates it, all in onnxruntime, from its weights
 * alone (no tfjs): what both the engine's thread and an evaluation worker thread run.
 * `threads` is onnxruntime's intra-op thread count; `chunk` the validation images per run.
 */
export async function evaluateWeights(
  weights: SubnetWeights,
  inputs: EvalInputs,
  threads: number,
  chunk: number,
): Promise<EvaluatedWeights> {
  const stats = await recalibrate(weights, inputs, threads);
  const convs = new Map(weights.convs);
  for (const [layer, s] of stats) convs.set(layer, { ...convs.get(layer)!, ...s });
  const model = buildOnnxModel({ ...weights, convs }, { input: inputs.input });
  return { stats, evaluation: await validate(model, inputs, threads, chunk) };
}

/**
 * Batch-norm recalibration: per layer the average over the calibration batches of the batch
 * mean and variance, as Supernet.calibrate computes them, with each batch normalised over
 * its own statistics. One graph call (buildCalibrationModel's Scan over the batches) for
 * each run of equal-sized batches: one for a run's calibration set, whose batches all have
 * the training batch size.
 */
async function recalibrate(
  weights: SubnetWeights,
  inputs: EvalInputs,
  threads: number,
): Promise<RunningStatistics> {
  if (inputs.calibration.length === 0)
    throw new Error('Batch-norm recalibration needs at least one batch');
  const model = buildCalibrationModel(weights, { input: inputs.input });
  const session = await createSession(model, threads);
  const [h, w, c] = inputs.input;
  const layers = [...weights.convs.keys()];
  const sums = new Map(layers.map((l) => [l, { mean: [] as number[], variance: [] as number[] }]));
  try {
    for (const run of calibrationRuns(inputs.calibrationSizes)) {
      const batches = inputs.calibration.slice(run.from, run.from + run.batches);
      const out = await session.run({
        [CALIBRATION_INPUT]: new ort.Tensor('float32', concatFloats(batches), [
          run.batches,
          run.batchSize,
          c,
          h,
          w,
        ]),
      });
      for (const layer of layers) {
        const acc = sums.get(layer)!;
        addBatchesInto(acc.mean, out[batchMeanName(layer)].data as Float32Array, run.batches);
        addBatchesInto(
          acc.variance,
          out[batchVarianceName(layer)].data as Float32Array,
          run.batches,
        );
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

export interface CalibrationRun {
  from: number;
  batches: number;
  batchSize: number;
}

/** The calibration batches as runs of consecutive batches of one size. */
export function calibrationRuns(sizes: readonly number[]): CalibrationRun[] {
  const runs: CalibrationRun[] = [];
  for (const [i, size] of sizes.entries()) {
    const last = runs.at(-1);
    if (last?.batchSize === size) last.batches++;
    else runs.push({ from: i, batches: 1, batchSize: size });
  }
  return runs;
}

/** Adds each batch's row of `stacked` ([batches, C]) into `acc`, batch after batch. */
function addBatchesInto(acc: number[], stacked: Float32Array, batches: number): void {
  const channels = stacked.length / batches;
  for (let b = 0; b < batches; b++)
    for (let i = 0; i < channels; i++) acc[i] = (acc[i] ?? 0) + stacked[b * channels + i];
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
): Promise<Evaluation> {
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
