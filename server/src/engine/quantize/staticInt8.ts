import type { onnx } from 'onnx-proto';
import { calibrateRanges, type CalibrationBatches } from './calibrateRanges';
import { quantiseModel, quantisedActivations, type ActivationRange } from './qdqGraph';
import type { CalibrationMethod } from '#shared/protocol/engine';

export interface StaticInt8 {
  /** The QDQ model (qdqGraph.ts). */
  model: onnx.ModelProto;
  /** The range calibration chose for each quantised activation. */
  ranges: Map<string, ActivationRange>;
  /** Images the ranges were measured on. */
  images: number;
}

/**
 * Static post-training int8 quantisation of a float subnet model: activation ranges
 * calibrated on `calibration` by `method`, then the QDQ transform. A function of the float
 * model (whatever its weights: inherited or fine-tuned) and the images alone: the same
 * inputs give the same bytes.
 */
export async function quantiseStatic(
  floatModel: onnx.IModelProto,
  calibration: CalibrationBatches,
  method: CalibrationMethod,
): Promise<StaticInt8> {
  const tensors = quantisedActivations(floatModel);
  const ranges = await calibrateRanges(floatModel, tensors, calibration, method);
  const [c, h, w] = calibration.image;
  const images = calibration.batches.reduce((n, b) => n + b.length / (c * h * w), 0);
  return { model: quantiseModel(floatModel, ranges), ranges, images };
}
