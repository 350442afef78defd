/**
 * Time left from steady state. The first unit of work of a job carries its warm-up
 * (engine start, data loading, kernel compilation, the first batch-norm recalibration),
 * so a rate measured from the job's start runs far too slow at first: a 21-second search
 * once said "ETA 17m22s" after its first evaluation. The rate is measured from the first
 * unit reported instead, and there is no estimate until enough work and time have passed
 * since then.
 */
export interface Progress {
  /** Units of work done (steps, evaluations). */
  done: number;
  /** When, in milliseconds. */
  time: number;
}

/** Units done since the first report before a rate counts (evaluations arrive in bursts). */
export const STEADY_UNITS = 2;
/** Milliseconds since the first report before a rate counts. */
export const STEADY_MS = 1000;

/**
 * Seconds left, from the rate between the first report of this job and the latest;
 * undefined while that rate is not yet steady ("estimating").
 */
export function steadyEta(
  first: Progress | undefined,
  last: Progress | undefined,
  total: number,
): number | undefined {
  if (!first || !last) return undefined;
  const units = last.done - first.done;
  const ms = last.time - first.time;
  if (units < STEADY_UNITS || ms < STEADY_MS) return undefined;
  return (Math.max(0, total - last.done) * ms) / units / 1000;
}
