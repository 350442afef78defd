import { parentPort, workerData } from 'node:worker_threads';
import type { SubnetWeights } from '../onnx/onnxGraph';
import type { EvalInputs } from '../onnx/evalInputs';
import { evaluateWeights } from '../onnx/onnxEvaluate';

/** What EvalPool gives each worker thread: its copy of the inputs, and the validation chunk. */
export interface EvalThreadInit {
  inputs: EvalInputs;
  chunk: number;
}

export interface EvalRequest {
  id: number;
  weights: SubnetWeights;
}

export type EvalReply =
  | {
      id: number;
      stats: [string, { mean: Float32Array; variance: Float32Array }][];
      evaluation: { accuracy: number; loss: number; images: number };
    }
  | { id: number; error: string };

/**
 * An evaluation thread of EvalPool (bundled as dist/evalThread.js): onnxruntime on one
 * intra-op thread, on the calibration and validation images it was given at start. It
 * needs no tfjs: the engine sends each subnet's weights as plain arrays.
 */
function main(): void {
  const init = workerData as EvalThreadInit;
  parentPort!.on('message', (req: EvalRequest) => {
    evaluateWeights(req.weights, init.inputs, 1, init.chunk).then(
      ({ stats, evaluation }) =>
        parentPort!.postMessage({ id: req.id, stats: [...stats], evaluation }),
      (e: unknown) =>
        parentPort!.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e) }),
    );
  });
}

main();
