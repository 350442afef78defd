import type { BatchNormReducer } from '../model/batchNorm';
import { CTL, HelperFailed, type SharedViews } from './sharedStep';

/**
 * Batch norm's all-reduce across the threads of a data-parallel step, through shared memory:
 * each thread writes its per-channel partial sums into its row, waits at a barrier until
 * every thread has written, then sums the rows in thread order. The fixed order makes the
 * sum the same bits on every thread (and from one run to the next), so the threads keep
 * normalising with identical statistics.
 *
 * Exchanges alternate between the two halves of the buffer: a thread can only write the
 * half of exchange k + 2 after passing the barrier of exchange k + 1, which every thread
 * reaches only once done reading exchange k; so one barrier per exchange is enough. Every
 * thread runs the same subnet, hence the same batch norms in the same order, so the count
 * of exchanges so far pairs them up.
 */
export class BatchNormExchange implements BatchNormReducer {
  private exchanges = 0;

  constructor(
    private readonly views: SharedViews,
    /** This thread's place in the sum: 0 for the main thread, then the helpers. */
    private readonly rank: number,
    private readonly threads: number,
    readonly batch: number,
    private readonly timeoutMs = 120_000,
  ) {}

  allReduce(partial: Float32Array): Float32Array {
    const { bn, buf } = this.views;
    const row = buf.bnRow;
    if (partial.length > row) throw new Error(`batch norm exchange: ${partial.length} > ${row}`);
    const half = (this.exchanges++ & 1) * buf.threads * row;
    bn.set(partial, half + this.rank * row);
    this.barrier();
    // Float32Array stores round each add to float32, as tf.add would.
    const out = new Float32Array(partial.length);
    for (let t = 0; t < this.threads; t++) {
      const from = half + t * row;
      for (let k = 0; k < out.length; k++) out[k] += bn[from + k];
    }
    return out;
  }

  /**
   * Returns once all the step's threads have called it. The last to arrive resets the count
   * before it bumps the generation, so no thread can arrive at the next barrier early.
   */
  private barrier(): void {
    const { ctl } = this.views;
    const gen = Atomics.load(ctl, CTL.barrierGen);
    if (Atomics.add(ctl, CTL.barrierArrived, 1) === this.threads - 1) {
      Atomics.store(ctl, CTL.barrierArrived, 0);
      Atomics.add(ctl, CTL.barrierGen, 1);
      Atomics.notify(ctl, CTL.barrierGen);
      return;
    }
    const t0 = Date.now();
    while (Atomics.load(ctl, CTL.barrierGen) === gen) {
      // A thread that failed mid-step never arrives: its error flag ends the wait.
      if (Atomics.load(ctl, CTL.error) !== 0) throw new HelperFailed();
      if (Date.now() - t0 > this.timeoutMs)
        throw new Error(`batch norm exchange: no other thread for ${this.timeoutMs} ms`);
      Atomics.wait(ctl, CTL.barrierGen, gen, 100);
    }
  }
}
