import { Cancelled } from '../runError';

/**
 * Indices of `costs` by decreasing cost, ties in index order: the longest-processing-time
 * order in which to hand out work, so the threads run out of it at nearly the same time.
 */
export function costliestFirst(costs: readonly number[]): number[] {
  return costs.map((_, i) => i).sort((a, b) => costs[b] - costs[a] || a - b);
}

export interface OrderedWindowOptions<T> {
  /** Items to run, 0 … count-1. */
  count: number;
  /** The order to start them in (a permutation of 0 … count-1). */
  order: readonly number[];
  /** Most items started and not yet finished. */
  window: number;
  start: (i: number) => Promise<T>;
  /** Called once per item, in index order, whatever order they finish in. */
  deliver: (i: number, result: T) => void;
  /** Asked before each start; once true nothing more starts. */
  shouldStop?: () => boolean;
}

/**
 * Runs items up to `window` at a time, starting them in `order` and topping up as each one
 * finishes (in any order), so one slow item holds back neither the start of the rest nor
 * the threads behind them; results are delivered in index order. Stopped: what was started
 * still finishes and is delivered (in index order, gaps skipped), then it throws Cancelled.
 * A failed item rejects at once with its error.
 */
export async function orderedWindow<T>(o: OrderedWindowOptions<T>): Promise<void> {
  const done = new Map<number, T>();
  let failure: { error: unknown } | undefined;
  let wake = () => {};
  let started = 0;
  let running = 0;
  let delivered = 0;
  let stopped = false;
  const begin = (i: number) => {
    running++;
    o.start(i)
      .then(
        (r) => void done.set(i, r),
        (error: unknown) => void (failure ??= { error }),
      )
      .finally(() => {
        running--;
        wake();
      });
  };
  const deliver = (i: number) => {
    const r = done.get(i) as T;
    done.delete(i);
    o.deliver(i, r);
  };
  for (;;) {
    while (running < o.window && started < o.count && !(stopped ||= !!o.shouldStop?.()))
      begin(o.order[started++]);
    while (done.has(delivered)) deliver(delivered++);
    if (failure) throw failure.error;
    if (delivered === o.count) return;
    if (stopped && running === 0) {
      for (let i = delivered; i < o.count; i++) if (done.has(i)) deliver(i);
      throw new Cancelled();
    }
    await new Promise<void>((resolve) => (wake = resolve));
  }
}
