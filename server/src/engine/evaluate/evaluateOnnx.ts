import type { Arch } from '#shared/arch';
import type { TrainingData } from '../data/batches';
import { subnetWeights } from '../onnx/subnetModel';
import type { SubnetWeights } from '../onnx/onnxGraph';
import { extract } from '../model/extract';
import type { Supernet } from '../model/supernet';
import type { Evaluation } from './evaluate';
import { evalInputsOf } from '../onnx/evalInputs';
import { evaluateWeights } from '../onnx/onnxEvaluate';
import { engineThreads } from '../threads/engineThreads';

export interface OnnxEvaluationOptions {
  /** onnxruntime's intra-op threads (default: the engine's thread limit, engineThreads). */
  threads?: number;
  /** Validation images per run (default DEFAULT_CHUNK). */
  chunk?: number;
}

/**
 * Validation images per onnxruntime run. Small runs keep a layer's activations in the
 * cache (16 images of the reference net's widest layer take 7 MB; 500 took 220 MB): on
 * the 2-core machine, 16 against 500 evaluated the reference net's largest subnet 13% faster
 * on one thread and 23% faster on two evaluation threads, and the tiny example's no slower
 * (per-run overhead stays small next to the 16 images' work).
 */
export const DEFAULT_CHUNK = 16;

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
): Promise<Evaluation> {
  const threads = Math.max(1, Math.floor(options.threads ?? engineThreads()));
  const { stats, evaluation } = await evaluateWeights(
    weightsOf(net, arch),
    evalInputsOf(data, calibration),
    threads,
    Math.max(1, options.chunk ?? DEFAULT_CHUNK),
  );
  net.setRunningStatistics(stats);
  return evaluation;
}

/** A subnet's weights copied out of the supernet, as plain arrays. */
export function weightsOf(net: Supernet, arch: Arch): SubnetWeights {
  const sub = extract(net, arch);
  try {
    return subnetWeights(sub);
  } finally {
    sub.dispose();
  }
}
