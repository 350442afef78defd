import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { selectBackend } from '../backend/selectBackend';
import { Supernet } from '../model/supernet';
import { Rng } from '#shared/rng';
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
import { computeShard, shardOf, type ShardJob } from './shardStep';

/** One helper's replica and its view of the shared memory. */
interface Helper {
  init: HelperInit;
  net: Supernet;
  views: SharedViews;
  varIndex: Map<string, number>;
  port: MessagePort;
}

/**
 * A helper thread of ParallelStepRunner (bundled as dist/stepThread.js): its own tfjs wasm
 * backend and replica of the supernet. Per step it loads the weights the main thread wrote,
 * then either claims subnets from the step's queue until it is empty, computing each one's
 * gradient into its slot ('step'), or computes its shard of a one-subnet step ('shard');
 * it posts its losses on the result port.
 */
async function main(): Promise<void> {
  const init = workerData as HelperInit;
  const backend = await selectBackend('wasm');
  const net = new Supernet(init.space, init.task, new Rng(0), init.options);
  const layout = variableLayout(net);
  const views = new SharedViews(init.buffers, layout);
  const helper: Helper = {
    init,
    net,
    views,
    varIndex: variableIndex(net, layout),
    port: init.results,
  };
  let weightsVersion = -1;

  parentPort!.on('message', (msg: { type: string; job: StepJob | ShardJob }) => {
    if (msg.type !== 'step' && msg.type !== 'shard') return;
    const { ctl } = views;
    try {
      const version = Atomics.load(ctl, CTL.weightsVersion);
      if (version !== weightsVersion) {
        loadWeights(net, views);
        weightsVersion = version;
      }
      if (msg.type === 'step') runSubnets(helper, msg.job as StepJob);
      else runShard(helper, msg.job as ShardJob);
    } catch (e) {
      const err = e as Error;
      helper.port.postMessage({
        type: 'error',
        message: `helper ${init.helper}: ${err.stack ?? err.message}`,
      });
      Atomics.store(ctl, CTL.error, 1);
      Atomics.notify(ctl, CTL.done);
      Atomics.notify(ctl, CTL.teacher);
      Atomics.notify(ctl, CTL.barrierGen);
    }
  });
  parentPort!.postMessage({ type: 'ready', backend: backend.name });
}

/** Subnets claimed from the step's queue until it is empty. */
function runSubnets({ net, views, varIndex, port }: Helper, job: StepJob): void {
  const { ctl } = views;
  const [b, h, w, c] = job.batchShape;
  const x = tf.tensor4d(views.x.slice(0, b * h * w * c), [b, h, w, c]);
  const y = tf.tensor1d(views.y.slice(0, b), 'int32');
  const weights = job.hasWeights ? tf.tensor1d(views.w.slice(0, b)) : undefined;
  try {
    for (;;) {
      const k = Atomics.add(ctl, CTL.next, 1);
      if (k >= job.queue.length) break;
      const result = computeSubnet(net, views, varIndex, job, job.queue[k], x, y, weights, false);
      port.postMessage({ type: 'result', result });
      Atomics.add(ctl, CTL.done, 1);
      Atomics.notify(ctl, CTL.done);
    }
  } finally {
    tf.dispose(weights ? [x, y, weights] : [x, y]);
    Atomics.add(ctl, CTL.left, 1);
    Atomics.notify(ctl, CTL.left);
  }
}

/** This helper's shard of a data-parallel step (its rank is its helper number). */
function runShard({ init, net, views, varIndex, port }: Helper, job: ShardJob): void {
  const { ctl } = views;
  const rank = init.helper;
  const { start, size } = shardOf(job.batch, job.threads, rank);
  const [h, w, c] = job.image;
  const image = h * w * c;
  const x = tf.tensor4d(views.x.slice(start * image, (start + size) * image), [size, h, w, c]);
  const y = tf.tensor1d(views.y.slice(start, start + size), 'int32');
  const weights = job.hasWeights ? tf.tensor1d(views.w.slice(start, start + size)) : undefined;
  try {
    const shard = computeShard(net, views, varIndex, job, rank, x, y, weights);
    port.postMessage({ type: 'shard', shard });
  } finally {
    tf.dispose(weights ? [x, y, weights] : [x, y]);
  }
  Atomics.add(ctl, CTL.done, 1);
  Atomics.notify(ctl, CTL.done);
}

main().catch((e: Error) => {
  parentPort!.postMessage({ type: 'error', message: e.stack ?? e.message });
});
