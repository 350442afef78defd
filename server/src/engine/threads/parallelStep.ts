import * as tf from '@tensorflow/tfjs-core';
import { concatFloats } from '../floats';
import * as path from 'node:path';
import {
  MessageChannel,
  Worker,
  receiveMessageOnPort,
  type MessagePort,
} from 'node:worker_threads';
import type { SpaceConfig, TaskConfig } from '../../config/configSchema';
import type { Supernet, SupernetOptions } from '../model/supernet';
import type { Optimizer } from '../train/optimizer';
import type { StepOptions, StepOutcome } from '../train/trainStep';
import type { PathFeedback, SampledSubnet } from '../train/samplers/samplerTypes';
import { pathFeedback, scaledGradients } from '../train/gradientStats';
import { gradientVarianceOf, sumGradients, sumTensors } from './gradientSum';
import { computeShard, shardOf, type ShardJob, type ShardResult } from './shardStep';
import { costliestFirst } from './orderedWindow';
import {
  CTL,
  HelperFailed,
  SharedViews,
  allocateShared,
  computeSubnet,
  storeWeights,
  variableIndex,
  variableLayout,
  waitFor,
  type StepJob,
  type SubnetResult,
} from './sharedStep';

/** What a helper is started with (workerData). */
export interface HelperInit {
  space: SpaceConfig;
  task: TaskConfig;
  options: SupernetOptions;
  buffers: ReturnType<typeof allocateShared>;
  results: MessagePort;
  helper: number;
}

export interface ParallelStepOptions {
  /** Most subnets in one step (gradient slots are allocated for that many). */
  maxSubnets: number;
  /** Most images in one batch. */
  maxBatch: number;
  /** The helper's script; default: stepThread.js next to this file (dist/ or out/). */
  workerScript?: string;
}

/**
 * Subnet-parallel training steps: the subnets of a step (the sandwich's largest, smallest and
 * random ones) are computed at the same time by the main thread and `threads - 1` helper
 * worker threads, each with its own single-threaded tfjs wasm instance and its own replica of
 * the weights. Same interface and the same results as SerialStepRunner.run (bit for bit on wasm):
 *  - every thread runs the very code for one subnet (sharedStep.ts), on the same weights and
 *    batch, so a subnet's gradient has the same bits whichever thread computed it; which
 *    thread takes which subnet (a shared queue, costliest first) changes the time only;
 *  - each subnet's gradient lands in its own SharedArrayBuffer slot; the main thread sums the
 *    slots in subnet order with float32 adds (what tf.add does), applies ONE optimizer update
 *    to its weights (the only optimizer state there is) and writes the new weights to shared
 *    memory, which the helpers load at the start of the next step;
 *  - in-place distillation: the main thread always takes subnet 0 (the teacher) and publishes
 *    its softmax as soon as its forward pass ends; a student waits for it only after its own
 *    forward pass, so the wait overlaps work.
 * A step of ONE subnet is data-parallel instead (shardStep.ts): every thread takes a
 * contiguous shard of the batch, batch norm sums its statistics across the threads, and the
 * main thread sums the shards' gradients in thread order before the one update. Its results
 * equal SerialStepRunner's up to float rounding (sums in another order), not bit for bit.
 * The main thread blocks in Atomics.wait during a step (a step is synchronous, as
 * SerialStepRunner's is); helper results come back through ports read with receiveMessageOnPort.
 */
export class ParallelStepRunner {
  private readonly views: SharedViews;
  private varIndex: Map<string, number>;
  private gen = 0;
  private closed = false;
  /** Subnets computed by helpers so far (the rest by the main thread): tests check both work. */
  helperSubnets = 0;
  /** Shards of data-parallel steps computed by helpers so far. */
  helperShards = 0;
  /** Stable name → index in the layout. */
  private readonly layoutIndex: Map<string, number>;

  private constructor(
    private net: Supernet,
    private optimizer: Optimizer,
    private readonly helpers: Worker[],
    private readonly ports: MessagePort[],
    views: SharedViews,
  ) {
    this.views = views;
    this.varIndex = variableIndex(net, views.layout);
    this.layoutIndex = new Map(views.layout.names.map((name, i) => [name, i]));
  }

  /** Starts `threads - 1` helpers and waits until each has its backend and replica. */
  static async create(
    net: Supernet,
    optimizer: Optimizer,
    threads: number,
    opts: ParallelStepOptions,
  ): Promise<ParallelStepRunner> {
    const layout = variableLayout(net);
    const [h, w, c] = net.task.input;
    const bnWidths = net.parameters().filter((p) => p.kind === 'bn-scale');
    const buffers = allocateShared(
      layout,
      // A data-parallel step takes one slot per thread.
      Math.max(opts.maxSubnets, threads),
      opts.maxBatch,
      h * w * c,
      net.task.classes,
      Math.max(1, threads),
      Math.max(1, ...bnWidths.map((p) => p.variable.size)),
    );
    const script = opts.workerScript ?? path.join(__dirname, 'stepThread.js');
    const started = [...Array(Math.max(0, threads - 1))].map((_, i) =>
      startHelper(script, {
        space: net.space,
        task: net.task,
        options: net.options,
        buffers,
        helper: i + 1,
      }),
    );
    const settled = await Promise.allSettled(started.map((s) => s.ready));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((s) => s.worker.terminate()));
      throw (failed as PromiseRejectedResult).reason;
    }
    for (const { worker } of started) {
      worker.removeAllListeners('exit');
      worker.removeAllListeners('error');
      // A helper that dies mid-step is seen by the main thread's wait (its timeout).
      worker.on('error', (e) => process.stderr.write(`step helper: ${e.message}\n`));
      // Helpers never keep the process alive: a run that ends without close() still exits.
      worker.unref();
    }
    const helpers = started.map((s) => s.worker);
    const ports = started.map((s) => s.port);
    return new ParallelStepRunner(net, optimizer, helpers, ports, new SharedViews(buffers, layout));
  }

  /**
   * Trains `net` with `optimizer` from the next step on: another supernet of the same space
   * (a few-shot split's sub-supernets take turns). The helpers need nothing: every step that
   * uses them publishes the weights it trains first.
   */
  use(net: Supernet, optimizer: Optimizer): void {
    if (net === this.net && optimizer === this.optimizer) return;
    this.net = net;
    this.optimizer = optimizer;
    this.varIndex = variableIndex(net, this.views.layout);
  }

  get threads(): number {
    return this.helpers.length + 1;
  }

  /** Whether a step of these subnets and this batch fits the shared buffers. */
  fits(subnets: number, batch: number): boolean {
    return subnets <= this.views.buf.maxSubnets && batch <= this.views.buf.maxBatch;
  }

  /** Whether a step of one subnet on this batch is split across the threads. */
  splitsBatch(batch: number): boolean {
    return this.helpers.length > 0 && batch >= this.threads && batch <= this.views.buf.maxBatch;
  }

  run(subnets: SampledSubnet[], x: tf.Tensor4D, y: tf.Tensor1D, opts: StepOptions): StepOutcome {
    if (this.closed) throw new Error('ParallelStepRunner is closed');
    const n = subnets.length;
    if (!this.fits(n, x.shape[0]))
      throw new Error(`parallel step: ${n} subnets of batch ${x.shape[0]} do not fit`);
    if (n === 1 && this.splitsBatch(x.shape[0])) return this.runShards(subnets[0], x, y, opts);
    // A frozen teacher's targets serve fine-tuning, one subnet a step: shards or one thread.
    if (opts.softTargets)
      throw new Error('parallel step: soft targets are for one subnet on a split batch');
    // One subnet on fewer images than threads is the main thread's alone.
    const share = n > 1 && this.helpers.length > 0;
    if (share) this.publishInputs(x, y, opts.weights);
    const job = this.startJob(subnets, x.shape, opts, share);
    const results = this.computeOwn(job, x, y, opts);
    this.waitForHelpers(n, share);
    results.push(...this.helperResults());
    results.sort((a, b) => a.index - b.index);
    if (results.length !== n) throw new Error(`parallel step: ${results.length} of ${n} results`);
    return this.update(subnets, results, opts);
  }

  /** The batch and the current weights, for the helpers. */
  private publishInputs(x: tf.Tensor4D, y: tf.Tensor1D, weights?: tf.Tensor1D): void {
    const { views } = this;
    views.x.set(x.dataSync() as Float32Array, 0);
    views.y.set(Int32Array.from(y.dataSync()), 0);
    if (weights) views.w.set(weights.dataSync() as Float32Array, 0);
    storeWeights(this.net, views);
    Atomics.add(views.ctl, CTL.weightsVersion, 1);
  }

  /** A new step generation: the queue of subnets 1..n-1, costliest first, posted to helpers. */
  private startJob(
    subnets: SampledSubnet[],
    batchShape: [number, number, number, number],
    opts: StepOptions,
    share: boolean,
  ): StepJob {
    const { ctl } = this.views;
    const gen = ++this.gen;
    // Subnet 0 is the main thread's own (the teacher); the rest, costliest first.
    const queue = costliestFirst(subnets.map((s) => s.flops)).filter((i) => i !== 0);
    const job: StepJob = {
      gen,
      subnets,
      queue,
      batchShape,
      distillation: opts.distillation,
      hasWeights: opts.weights !== undefined,
      wantFeedback: opts.wantFeedback,
    };
    Atomics.store(ctl, CTL.next, 0);
    Atomics.store(ctl, CTL.done, 0);
    Atomics.store(ctl, CTL.left, 0);
    Atomics.store(ctl, CTL.gen, gen);
    if (share) for (const worker of this.helpers) worker.postMessage({ type: 'step', job });
    return job;
  }

  /** Subnet 0 (the teacher), then whatever is left in the queue, on this thread. */
  private computeOwn(
    job: StepJob,
    x: tf.Tensor4D,
    y: tf.Tensor1D,
    opts: StepOptions,
  ): SubnetResult[] {
    const { ctl } = this.views;
    const results: SubnetResult[] = [];
    const own = (i: number) => {
      const { net, views, varIndex } = this;
      results.push(
        computeSubnet(net, views, varIndex, job, i, x, y, opts.weights, opts.wantErrorNorms),
      );
      Atomics.add(ctl, CTL.done, 1);
      Atomics.notify(ctl, CTL.done);
    };
    own(0);
    for (;;) {
      const k = Atomics.add(ctl, CTL.next, 1);
      if (k >= job.queue.length) break;
      own(job.queue[k]);
    }
    return results;
  }

  private waitForHelpers(n: number, share: boolean): void {
    const { ctl } = this.views;
    try {
      waitFor(ctl, CTL.done, n);
      // Every helper out of this step's claim loop before the next step resets the queue.
      if (share) waitFor(ctl, CTL.left, this.helpers.length);
    } catch (e) {
      if (e instanceof HelperFailed) throw new Error(this.drainErrors());
      throw e;
    }
  }

  private helperResults(): SubnetResult[] {
    const out = this.received<SubnetResult>('result');
    this.helperSubnets += out.length;
    return out;
  }

  /** What the helpers posted since the last call: the payloads of `type`; an error throws. */
  private received<T>(type: 'result' | 'shard'): T[] {
    const out: T[] = [];
    for (const port of this.ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const msg = m.message as { type: string; message?: string } & Record<string, unknown>;
        if (msg.type === type) out.push(msg[type] as T);
        else if (msg.type === 'error') throw new Error(`step helper: ${msg.message}`);
      }
    }
    return out;
  }

  /** Σ of the slots, the variance, ONE optimizer update; the step's figures as SerialStepRunner's. */
  private update(
    subnets: SampledSubnet[],
    results: SubnetResult[],
    opts: StepOptions,
  ): StepOutcome {
    const n = subnets.length;
    const { layout } = this.views;
    const { sum, sq } = sumTensors(layout, sumGradients(this.views, n), n);
    try {
      const gradVariance = gradientVarianceOf(layout, sum, sq, n);
      this.optimizer.apply(sum, opts.lr, subnets);
      const d = results.filter((r) => r.distill !== undefined).map((r) => r.distill!);
      const feedback: PathFeedback[] = results.map((r) => r.feedback!);
      const errorNorms = results[0].errorNorms;
      return {
        losses: results.map((r) => r.ce),
        ...(d.length ? { distillLoss: d.reduce((a, b) => a + b, 0) / d.length } : {}),
        gradVariance,
        ...(opts.wantFeedback ? { feedback } : {}),
        ...(errorNorms ? { errorNorms } : {}),
      };
    } finally {
      tf.dispose([...sum.values(), ...sq.values()]);
    }
  }

  /** A data-parallel step: the batch split across the threads, one update. */
  private runShards(
    subnet: SampledSubnet,
    x: tf.Tensor4D,
    y: tf.Tensor1D,
    opts: StepOptions,
  ): StepOutcome {
    const { ctl } = this.views;
    const [batch, h, w, c] = x.shape;
    this.publishInputs(x, y, opts.weights);
    if (opts.softTargets) this.views.teacher.set(opts.softTargets.dataSync() as Float32Array, 0);
    const job: ShardJob = {
      gen: ++this.gen,
      subnet,
      batch,
      threads: this.threads,
      image: [h, w, c],
      hasWeights: opts.weights !== undefined,
      wantErrorNorms: opts.wantErrorNorms,
      ...(opts.softTargets ? { softTargets: true } : {}),
    };
    Atomics.store(ctl, CTL.done, 0);
    Atomics.store(ctl, CTL.gen, job.gen);
    for (const worker of this.helpers) worker.postMessage({ type: 'shard', job });
    let results: ShardResult[];
    try {
      const own = this.computeOwnShard(job, x, y, opts.weights);
      waitFor(ctl, CTL.done, this.helpers.length);
      results = [own, ...this.shardResults()].sort((a, b) => a.rank - b.rank);
    } catch (e) {
      if (e instanceof HelperFailed) throw new Error(this.drainErrors());
      // The helpers may be waiting for this thread at a batch norm: the flag lets them go.
      Atomics.store(ctl, CTL.error, 1);
      Atomics.notify(ctl, CTL.barrierGen);
      throw e;
    }
    if (results.length !== this.threads)
      throw new Error(`parallel step: ${results.length} of ${this.threads} shards`);
    return this.updateShards(subnet, results, opts);
  }

  /** Shard 0, the first images of the batch, on this thread. */
  private computeOwnShard(
    job: ShardJob,
    x: tf.Tensor4D,
    y: tf.Tensor1D,
    weights: tf.Tensor1D | undefined,
  ): ShardResult {
    const { size } = shardOf(job.batch, job.threads, 0);
    const [xs, ys, ws] = tf.tidy(() => [
      tf.slice(x, [0, 0, 0, 0], [size, -1, -1, -1]),
      tf.slice(y, [0], [size]),
      ...(weights ? [tf.slice(weights, [0], [size])] : []),
    ]);
    try {
      const { net, views, varIndex } = this;
      return computeShard(
        net,
        views,
        varIndex,
        job,
        0,
        xs as tf.Tensor4D,
        ys as tf.Tensor1D,
        ws as tf.Tensor1D | undefined,
      );
    } finally {
      tf.dispose(ws ? [xs, ys, ws] : [xs, ys]);
    }
  }

  private shardResults(): ShardResult[] {
    const out = this.received<ShardResult>('shard');
    this.helperShards += out.length;
    return out;
  }

  /**
   * Σ of the shards' gradients in thread order and ONE optimizer update. The figures are the
   * one-thread step's: the loss is the shards' sum, the feedback is taken from the summed
   * gradient, and the error norms are the shards' in batch order.
   */
  private updateShards(
    subnet: SampledSubnet,
    results: ShardResult[],
    opts: StepOptions,
  ): StepOutcome {
    const { layout } = this.views;
    const { sum } = sumTensors(layout, sumGradients(this.views, results.length, false), 1);
    // The subnet's gradient scaled as the one-thread step scales it (DεpS), up to rounding.
    const update =
      (subnet.gradScale ?? 1) === 1
        ? sum
        : new Map(Object.entries(scaledGradients(subnet, Object.fromEntries(sum))));
    try {
      const gradVariance = gradientVarianceOf(layout, sum, new Map(), 1);
      const feedback = opts.wantFeedback
        ? [pathFeedback(subnet, [...sum], (name) => layout.at[this.layoutIndex.get(name)!])]
        : undefined;
      this.optimizer.apply(update, opts.lr, [subnet]);
      const norms = results.map((r) => r.errorNorms);
      const errorNorms = opts.wantErrorNorms ? concatFloats(norms as Float32Array[]) : undefined;
      const distill = opts.softTargets
        ? results.reduce((t, r) => t + (r.distill ?? 0), 0)
        : undefined;
      return {
        losses: [results.reduce((total, r) => total + r.ce, 0)],
        ...(distill !== undefined ? { distillLoss: distill } : {}),
        gradVariance,
        ...(feedback ? { feedback } : {}),
        ...(errorNorms ? { errorNorms } : {}),
      };
    } finally {
      tf.dispose(update === sum ? [...sum.values()] : [...sum.values(), ...update.values()]);
    }
  }

  private drainErrors(): string {
    const out: string[] = [];
    for (const port of this.ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const msg = m.message as { type: string; message?: string };
        if (msg.type === 'error') out.push(msg.message ?? 'unknown');
      }
    }
    return `step helper failed: ${out.join('; ') || 'no message'}`;
  }

  /** Ends the helpers; idempotent. The process exits even if this is never called. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const port of this.ports) port.close();
    await Promise.all(this.helpers.map((w) => w.terminate()));
  }
}

/** One helper thread, and a promise that settles once it has its backend and replica. */
function startHelper(
  script: string,
  init: Omit<HelperInit, 'results'>,
): { worker: Worker; port: MessagePort; ready: Promise<void> } {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(script, {
    workerData: { ...init, results: port2 } satisfies HelperInit,
    transferList: [port2],
  });
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { type: string; message?: string }) =>
      m.type === 'ready' ? resolve() : reject(new Error(m.message ?? 'step helper failed')),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`step helper exited with ${code}`)));
  });
  return { worker, port: port1, ready };
}
