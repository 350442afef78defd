import type { RunSummary } from '#shared/runFolder/runSummary';

/** What this session knows about a run beyond its folder: a job of ours running or ended. */
export interface RunOverlay {
  status?: RunSummary['status'];
  /** A training job's live position: the same numbers the status bar shows. */
  step?: number;
  totalSteps?: number;
  /** A short note on the last search or export job, e.g. `searching…`, `search failed`. */
  note?: string;
}
