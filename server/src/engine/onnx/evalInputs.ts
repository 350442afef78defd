import type { TrainingData } from '../data/batches';

/**
 * What an ONNX evaluation reads: the calibration batches and the validation split as NCHW
 * float32 (onnxruntime's layout), with the validation labels. Built once per search (or
 * per data set and calibration) instead of per subnet; evaluation threads get a copy each
 * (onnxruntime-node takes no views of shared memory: "Invalid argument").
 */
export interface EvalInputs {
  /** The task's input [height, width, channels]. */
  input: [number, number, number];
  calibration: Float32Array[];
  /** Images per calibration batch, in order. */
  calibrationSizes: number[];
  validation: Float32Array;
  labels: Int32Array;
}

const cache = new WeakMap<TrainingData, WeakMap<Int32Array[], EvalInputs>>();

/** The inputs of `data` and `calibration`, built on first use and kept while both live. */
export function evalInputsOf(data: TrainingData, calibration: Int32Array[]): EvalInputs {
  let byCalibration = cache.get(data);
  if (!byCalibration) cache.set(data, (byCalibration = new WeakMap()));
  let inputs = byCalibration.get(calibration);
  if (!inputs) byCalibration.set(calibration, (inputs = buildEvalInputs(data, calibration)));
  return inputs;
}

export function buildEvalInputs(data: TrainingData, calibration: Int32Array[]): EvalInputs {
  const { height: h, width: w, channels: c } = data;
  const floats = (n: number) => new Float32Array(n);
  const val = data.validationIndices;
  const labels = new Int32Array(val.length);
  for (let i = 0; i < val.length; i++) labels[i] = data.labels[val[i]];
  return {
    input: [h, w, c],
    calibration: calibration.map((idx) =>
      nchwInto(floats(idx.length * h * w * c), data.images, idx, h, w, c),
    ),
    calibrationSizes: calibration.map((idx) => idx.length),
    validation: nchwInto(floats(val.length * h * w * c), data.images, val, h, w, c),
    labels,
  };
}

/** The images at `indices` (NHWC in `images`) written to `out` as one NCHW batch. */
function nchwInto(
  out: Float32Array,
  images: Float32Array,
  indices: ArrayLike<number>,
  h: number,
  w: number,
  c: number,
): Float32Array {
  const hw = h * w;
  const px = hw * c;
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
