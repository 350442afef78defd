import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend/selectBackend';
import { Supernet } from '../model/supernet';
import { Rng } from '../rng';
import type { HelperInit } from './parallelStep';
import {
  CTL,
  SharedViews,
  computeSubnet,
  loadWeights,
  variableIndex,
  variableLayout,
  type StepJob,
} from './sharedStep';

/**
 * A helper thread of ParallelStepRunner (bundled as dist/stepWorker.js): its own tfjs wasm
 * backend and replica of the supernet. Per step it loads the weights the main thread wrote,
 * then claims subnets from the step's queue until it is empty, computing each one's gradient
 * into its slot and posting its losses on the result port.
 */
async function main(): Promise<void> {
  const init = workerData as HelperInit;
  const backend = await selectBackend('wasm');
  const net = new Supernet(init.space, init.task, new Rng(0), init.options);
  const layout = variableLayout(net);
  const views = new SharedViews(init.buffers, layout);
  const varIndex = variableIndex(net, layout);
  let weightsVersion = -1;
  const port = init.results;

  parentPort!.on('message', (msg: { type: string; job: StepJob }) => {
    if (msg.type !== 'step') return;
    const { job } = msg;
    const { ctl } = views;
    try {
      const version = Atomics.load(ctl, CTL.weightsVersion);
      if (version !== weightsVersion) {
        loadWeights(net, views);
        weightsVersion = version;
      }
      const [b, h, w, c] = job.batchShape;
      const x = tf.tensor4d(views.x.slice(0, b * h * w * c), [b, h, w, c]);
      const y = tf.tensor1d(views.y.slice(0, b), 'int32');
      const weights = job.hasWeights ? tf.tensor1d(views.w.slice(0, b)) : undefined;
      try {
        for (;;) {
          const k = Atomics.add(ctl, CTL.next, 1);
          if (k >= job.queue.length) break;
          const result = computeSubnet(
            net,
            views,
            varIndex,
            job,
            job.queue[k],
            x,
            y,
            weights,
            false,
          );
          port.postMessage({ type: 'result', result });
          Atomics.add(ctl, CTL.done, 1);
          Atomics.notify(ctl, CTL.done);
        }
      } finally {
        tf.dispose(weights ? [x, y, weights] : [x, y]);
        Atomics.add(ctl, CTL.left, 1);
        Atomics.notify(ctl, CTL.left);
      }
    } catch (e) {
      const err = e as Error;
      port.postMessage({
        type: 'error',
        message: `helper ${init.helper}: ${err.stack ?? err.message}`,
      });
      Atomics.store(ctl, CTL.error, 1);
      Atomics.notify(ctl, CTL.done);
      Atomics.notify(ctl, CTL.teacher);
    }
  });
  parentPort!.postMessage({ type: 'ready', backend: backend.name });
}

main().catch((e: Error) => {
  parentPort!.postMessage({ type: 'error', message: e.stack ?? e.message });
});
