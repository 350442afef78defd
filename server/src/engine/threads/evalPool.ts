import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SubnetWeights } from '../onnx/onnxGraph';
import type { EvalInputs } from '../onnx/evalInputs';
import type { EvaluatedWeights } from '../onnx/onnxEvaluate';
import type { EvalReply, EvalRequest, EvalThreadInit } from './evalThread';

interface Pending {
  resolve: (r: EvaluatedWeights) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

/**
 * Worker threads that evaluation subnets in onnxruntime, one subnet per thread at a time, each
 * with one intra-op thread: small subnets keep one core busy far better than they split
 * across several, so N subnets on N threads beat one subnet on N. Each thread gets its own
 * copy of the inputs when it starts (onnxruntime-node takes no views of shared memory, so
 * sharing them would cost a copy per run instead); the weights travel per request.
 */
export class EvalPool {
  private readonly slots: Slot[];
  private readonly queue: { req: EvalRequest; pending: Pending }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failed: Error | undefined;

  constructor(
    readonly size: number,
    inputs: EvalInputs,
    chunk: number,
    script = path.join(__dirname, 'evalThread.js'),
  ) {
    this.slots = [...Array(Math.max(1, size))].map(() => {
      const worker = new Worker(script, { workerData: { inputs, chunk } satisfies EvalThreadInit });
      // The pool's threads never keep the engine alive: a forgotten close still lets it exit.
      worker.unref();
      const slot = { worker, busy: false };
      worker.on('message', (m: EvalReply) => this.settle(slot, m));
      worker.on('error', (e) => this.fail(e));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`an evaluation thread exited with code ${code}`));
      });
      return slot;
    });
  }

  /** Recalibrates and evaluates the subnet of `weights` on the next free thread. */
  evaluate(weights: SubnetWeights): Promise<EvaluatedWeights> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ req: { id: this.nextId++, weights }, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('the evaluation pool was closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const { req, pending } = this.queue.shift()!;
      slot.busy = true;
      this.pending.set(req.id, pending);
      slot.worker.postMessage(req);
    }
  }

  private settle(slot: Slot, m: EvalReply): void {
    slot.busy = false;
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if ('error' in m) p?.reject(new Error(m.error));
    else p?.resolve({ stats: new Map(m.stats), evaluation: m.evaluation });
    this.dispatch();
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const p of this.pending.values()) p.reject(e);
    for (const q of this.queue) q.pending.reject(e);
    this.pending.clear();
    this.queue.length = 0;
  }
}
