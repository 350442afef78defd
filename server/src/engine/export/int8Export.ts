import type { onnx } from 'onnx-proto';
import type { BatchLatencies, CalibrationMethod, Int8Figures } from '#shared/protocol/engine';
import { encodeModel, INPUT_NAME } from '../onnx/onnxGraph';
import { profileKernels } from './kernelProfile';
import { quantiseStatic } from '../quantize/staticInt8';
import { compareModels } from './compareOnnx';
import { measureLatencies } from './latency';

/**
 * The drop in validation accuracy from float32 to int8, in percentage points, above which an
 * int8 export warns (it still writes the model). Static int8 of these nets usually costs
 * tenths of a point; a full point lost says the calibration or the net does not suit int8.
 */
export const MAX_INT8_DROP_POINTS = 1;

/** The images an int8 export reads, NCHW float32 as onnxruntime takes them. */
export interface Int8Inputs {
  /** [channels, height, width] of one image. */
  image: readonly [number, number, number];
  /** Calibration batches (training images). */
  calibration: readonly Float32Array[];
  /** The validation split and its labels. */
  validation: Float32Array;
  labels: ArrayLike<number>;
}

export interface Int8Export {
  bytes: Uint8Array;
  figures: Int8Figures;
}

/**
 * Batch-1 and batch-32 median latency of the float32 and the int8 model on one thread, their
 * runs alternated (measureLatencies).
 */
async function latencies(
  float32: Uint8Array,
  int8: Uint8Array,
): Promise<{ float32: BatchLatencies; int8: BatchLatencies }> {
  const [f1, q1] = await measureLatencies([float32, int8], { threads: 1, batch: 1 });
  const [f32, q32] = await measureLatencies([float32, int8], { threads: 1, batch: 32 });
  return {
    float32: { batch1Ms: f1.medianMs, batch32Ms: f32.medianMs },
    int8: { batch1Ms: q1.medianMs, batch32Ms: q32.medianMs },
  };
}

/**
 * Quantises a verified float32 subnet model to int8 (staticInt8.ts, calibrated on the
 * calibration batches by `method`) and measures it against the float model in
 * onnxruntime-node: accuracy of each and largest logit difference on the validation split,
 * file sizes, latency at batch 1 and 32 on one thread (the two models' runs alternated).
 */
export async function exportInt8(
  floatModel: onnx.IModelProto,
  inputs: Int8Inputs,
  method: CalibrationMethod,
): Promise<Int8Export> {
  const floatBytes = encodeModel(floatModel);
  const q = await quantiseStatic(
    floatModel,
    { image: inputs.image, batches: inputs.calibration },
    method,
  );
  const bytes = encodeModel(q.model);
  const cmp = await compareModels(
    floatBytes,
    bytes,
    inputs.validation,
    inputs.image,
    inputs.labels,
  );
  const latency = await latencies(floatBytes, bytes);
  const [c, h, w] = inputs.image;
  const kernels = await profileKernels(bytes, {
    name: INPUT_NAME,
    // The first validation image (zeros when there is none): kernels do not depend on it.
    data: Float32Array.from({ length: c * h * w }, (_, i) => inputs.validation[i] ?? 0),
    dims: [1, c, h, w],
  });
  return {
    bytes,
    figures: {
      calibration: method,
      calibrationImages: q.images,
      floatAccuracy: cmp.referenceAccuracy,
      int8Accuracy: cmp.candidateAccuracy,
      accuracyDropPoints: 100 * (cmp.referenceAccuracy - cmp.candidateAccuracy),
      maxAbsDiff: cmp.maxAbsDiff,
      agreement: cmp.agreement,
      floatBytes: floatBytes.length,
      latency,
      kernels: Object.fromEntries([...kernels].map(([op, u]) => [op, u.nodes])),
    },
  };
}

/** The warning an int8 export gives when it lost more accuracy than `maxDropPoints`. */
export function int8DropWarning(
  key: string,
  f: Int8Figures,
  maxDropPoints = MAX_INT8_DROP_POINTS,
): string | undefined {
  if (!(f.accuracyDropPoints > maxDropPoints)) return undefined;
  return (
    `int8 costs ${key} ${f.accuracyDropPoints.toFixed(2)} points of validation accuracy ` +
    `(${(100 * f.int8Accuracy).toFixed(2)}% against ${(100 * f.floatAccuracy).toFixed(2)}% in float32), ` +
    `more than the ${maxDropPoints} allowed; the model is written all the same. ` +
    `Try --calibration ${f.calibration === 'minmax' ? 'percentile' : 'minmax'}, or export float32.`
  );
}
