import { parentPort, workerData } from 'node:worker_threads';
import type { SubnetWeights } from '../onnx/onnxGraph';
import type { EvalInputs } from './evalInputs';
import { scoreWeights } from './onnxScore';

/** What EvalPool gives each worker thread: its copy of the inputs, and the validation chunk. */
export interface EvalWorkerInit {
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
      score: { accuracy: number; loss: number; images: number };
    }
  | { id: number; error: string };

/**
 * An evaluation thread of EvalPool (bundled as dist/evalWorker.js): onnxruntime on one
 * intra-op thread, on the calibration and validation images it was given at start. It
 * needs no tfjs: the engine sends each subnet's weights as plain arrays.
 */
function main(): void {
  const init = workerData as EvalWorkerInit;
  parentPort!.on('message', (req: EvalRequest) => {
    scoreWeights(req.weights, init.inputs, 1, init.chunk).then(
      ({ stats, score }) => parentPort!.postMessage({ id: req.id, stats: [...stats], score }),
      (e: unknown) =>
        parentPort!.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e) }),
    );
  });
}

main();
