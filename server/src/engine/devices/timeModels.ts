import { measureLatencies } from '../export/latency';
import type { TimingSettings } from './deviceTasks';

/** One model timed: the median of its runs and their interquartile range. */
export interface Timing {
  medianMs: number;
  spreadMs: number;
  runs: number;
  threads: number;
}

/** Nearest-rank quantile of sorted values. */
const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

/**
 * Times models in onnxruntime as a device does: `threads` intra-op threads, the task's
 * batch, warm-up and runs, the models' runs alternated so that a change of load falls on
 * all of them alike.
 */
export async function timeModels(
  models: readonly Uint8Array[],
  settings: TimingSettings,
  threads: number,
): Promise<Timing[]> {
  const results = await measureLatencies(models, { ...settings, threads });
  return results.map((r) => {
    const sorted = [...r.runsMs].sort((a, b) => a - b);
    return {
      medianMs: r.medianMs,
      spreadMs: quantile(sorted, 0.75) - quantile(sorted, 0.25),
      runs: r.runsMs.length,
      threads: r.threads,
    };
  });
}
