import type { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { Arch } from '#shared/arch';
import type { TrainingData } from '../data/batches';
import { subnetWeights } from '../onnx/subnetModel';
import {
  OUTPUT_NAME,
  batchMeanName,
  batchVarianceName,
  buildOnnxModel,
  encodeModel,
  type SubnetWeights,
} from '../onnx/onnxGraph';
import { extract } from '../model/extract';
import type { Supernet } from '../model/supernet';
import type { SubnetScore } from './evaluate';
import { engineThreads } from '../parallel/engineThreads';

export interface OnnxEvaluationOptions {
  /** onnxruntime's intra-op threads (default: the engine's thread limit, engineThreads). */
  threads?: number;
  /** Validation images per run (default 500). */
  chunk?: number;
}

/**
 * The same evaluation as evaluateSubnet (BN recalibration on `calibration`, then top-1
 * accuracy and mean cross-entropy on the validation split), run by onnxruntime-node on the
 * subnet's ONNX graph instead of tfjs: forward passes are several times faster there and use
 * every core. Recalibration runs the graph with batch statistics; validation runs the
 * exported eval-mode graph with the recalibrated statistics folded into its convolutions.
 * Statistics, logits and hence accuracy agree with tfjs's to float rounding (checked by
 * test/unit/engine/train/evaluateOnnx.test.ts); the recalibrated statistics are written
 * back to the supernet, as Supernet.calibrate does.
 */
export async function evaluateSubnetOnnx(
  net: Supernet,
  arch: Arch,
  data: TrainingData,
  calibration: Int32Array[],
  options: OnnxEvaluationOptions = {},
): Promise<SubnetScore> {
  const threads = Math.max(1, Math.floor(options.threads ?? engineThreads()));
  const sub = extract(net, arch);
  try {
    const weights = subnetWeights(sub);
    const stats = await recalibrate(net, weights, data, calibration, threads);
    net.setRunningStatistics(stats);
    const convs = new Map(weights.convs);
    for (const [layer, s] of stats) convs.set(layer, { ...convs.get(layer)!, ...s });
    const model = buildOnnxModel({ ...weights, convs }, { input: net.task.input });
    return await validate(model, net, data, threads, Math.max(1, options.chunk ?? 500));
  } finally {
    sub.dispose();
  }
}

/**
 * Batch-norm recalibration in onnxruntime: the subnet's graph with batch statistics
 * (onnxGraph.ts, batchStatistics) run on each calibration batch, and per layer the average
 * over batches of the batch mean and variance, as Supernet.calibrate computes them.
 */
async function recalibrate(
  net: Supernet,
  weights: SubnetWeights,
  data: TrainingData,
  calibration: Int32Array[],
  threads: number,
): Promise<Map<string, { mean: Float32Array; variance: Float32Array }>> {
  if (calibration.length === 0)
    throw new Error('Batch-norm recalibration needs at least one batch');
  const model = buildOnnxModel(weights, { input: net.task.input, batchStatistics: true });
  const session = await createSession(model, threads);
  const [h, w, c] = net.task.input;
  const layers = [...weights.convs.keys()];
  const sums = new Map(layers.map((l) => [l, { mean: [] as number[], variance: [] as number[] }]));
  try {
    const inputName = session.inputNames[0];
    for (const idx of calibration) {
      const images = nchwImages(data.images, idx, h, w, c);
      const out = await session.run({
        [inputName]: new ort.Tensor('float32', images, [idx.length, c, h, w]),
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
  const n = calibration.length;
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
  net: Supernet,
  data: TrainingData,
  threads: number,
  chunk: number,
): Promise<SubnetScore> {
  const session = await createSession(model, threads);
  const [h, w, c] = net.task.input;
  const classes = net.task.classes;
  const val = data.validationIndices;
  let correct = 0;
  let lossSum = 0;
  try {
    const inputName = session.inputNames[0];
    for (let i = 0; i < val.length; i += chunk) {
      const idx = val.subarray(i, Math.min(val.length, i + chunk));
      const images = nchwImages(data.images, idx, h, w, c);
      const out = await session.run({
        [inputName]: new ort.Tensor('float32', images, [idx.length, c, h, w]),
      });
      const logits = out[OUTPUT_NAME].data as Float32Array;
      for (let b = 0; b < idx.length; b++) {
        const label = data.labels[idx[b]];
        const { best, logSumExp } = rowStats(logits, b * classes, classes);
        if (best === label) correct++;
        lossSum += logSumExp - logits[b * classes + label];
      }
      for (const t of Object.values(out)) t.dispose();
    }
  } finally {
    await session.release();
  }
  return {
    accuracy: val.length ? correct / val.length : 0,
    loss: val.length ? lossSum / val.length : 0,
    images: val.length,
  };
}

/** The images at `indices` (NHWC in `images`) as one NCHW batch. */
function nchwImages(
  images: Float32Array,
  indices: ArrayLike<number>,
  h: number,
  w: number,
  c: number,
): Float32Array {
  const hw = h * w;
  const px = hw * c;
  const out = new Float32Array(indices.length * px);
  for (let b = 0; b < indices.length; b++) {
    const src = images.subarray(indices[b] * px, (indices[b] + 1) * px);
    if (c === 1) {
      out.set(src, b * px);
      continue;
    }
    for (let p = 0; p < hw; p++)
      for (let ch = 0; ch < c; ch++) out[b * px + ch * hw + p] = src[p * c + ch];
  }
  return out;
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
