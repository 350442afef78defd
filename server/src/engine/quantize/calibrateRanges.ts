import { onnx } from 'onnx-proto';
import * as ort from '../onnx/runtime';
import { encodeModel } from '../onnx/onnxGraph';
import type { ActivationRange } from './qdqGraph';
import type { CalibrationMethod } from '#shared/protocol/engine';
import { Histogram, observeMinMax, PERCENTILE } from './rangeObservers';

/** Calibration images: NCHW float32 batches of the model's input, as the model takes them. */
export interface CalibrationBatches {
  /** [channels, height, width] of one image. */
  image: readonly [number, number, number];
  batches: readonly Float32Array[];
}

/**
 * The float model with each of `tensors` added as a graph output, so that one run of it
 * returns the intermediate activations (a graph input is observed from the feed instead).
 */
function observedModel(model: onnx.IModelProto, tensors: readonly string[]): onnx.ModelProto {
  const graph = model.graph!;
  const inputs = new Set((graph.input ?? []).map((i) => i.name));
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  const extra = tensors
    .filter((t) => !inputs.has(t) && !outputs.has(t))
    .map((name) =>
      onnx.ValueInfoProto.create({
        name,
        type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
      }),
    );
  return onnx.ModelProto.create({
    ...model,
    graph: { ...graph, output: [...(graph.output ?? []), ...extra] },
  });
}

/**
 * The range of each of `tensors` over the calibration images, by `method`: the float model
 * runs in onnxruntime-node (one thread, so the figures and hence the quantised model are the
 * same on every run) with the tensors as extra outputs, once for min–max, twice for the
 * percentile (min–max first, then a histogram over that range).
 */
export async function calibrateRanges(
  model: onnx.IModelProto,
  tensors: readonly string[],
  calibration: CalibrationBatches,
  method: CalibrationMethod,
): Promise<Map<string, ActivationRange>> {
  if (!calibration.batches.length) throw new Error('Calibration needs at least one image');
  const inputName = model.graph?.input?.[0]?.name ?? '';
  const session = await ort.InferenceSession.create(encodeModel(observedModel(model, tensors)), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const [c, h, w] = calibration.image;
  /** Calls `see` with each tensor's values for each batch. */
  const pass = async (see: (tensor: string, values: Float32Array) => void) => {
    for (const batch of calibration.batches) {
      const n = batch.length / (c * h * w);
      if (!Number.isInteger(n)) throw new Error('A calibration batch is not whole images');
      const feed = new ort.Tensor('float32', batch, [n, c, h, w]);
      const fetched = tensors.filter((t) => t !== inputName);
      const out = await session.run({ [inputName]: feed }, fetched);
      for (const t of tensors) see(t, t === inputName ? batch : (out[t].data as Float32Array));
      for (const t of Object.values(out)) t.dispose();
      feed.dispose();
    }
  };
  try {
    const minMax = new Map<string, ActivationRange>();
    await pass((t, v) => minMax.set(t, observeMinMax(v, minMax.get(t))));
    if (method === 'minmax') return minMax;
    const histograms = new Map([...minMax].map(([t, r]) => [t, new Histogram(r)]));
    await pass((t, v) => histograms.get(t)!.add(v));
    return new Map([...histograms].map(([t, hist]) => [t, hist.quantileRange(PERCENTILE)]));
  } finally {
    await session.release();
  }
}
