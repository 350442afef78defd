import type { RunSummary } from '#shared/runFolder/runSummary';
import { resumableRuns } from './tree/runTreeModel';

/**
 * Context keys that show or enable the commands needing something to act on (package.json
 * `when`/`enablement`): Resume needs a stopped run, Export Subnet an evaluated subnet,
 * Compare Runs two runs, Search and Check Ranking a trained run. The walkthrough's steps
 * tick off on them too.
 */
/** Keys the client sets from other events than the list of runs. */
export const EVENT_CONTEXT_KEYS = [
  'supernet.jobRunning',
  'supernet.hasConfig',
  'supernet.dashboardOpened',
] as const;

export function runContextKeys(runs: readonly RunSummary[]): Record<string, boolean> {
  return {
    'supernet.hasRuns': runs.length > 0,
    'supernet.hasTrainedRuns': runs.some((r) => (r.step ?? 0) > 0),
    'supernet.hasResumableRuns': resumableRuns(runs).length > 0,
    'supernet.hasEvaluatedSubnets': runs.some((r) => r.candidates > 0),
    'supernet.canCompareRuns': runs.length >= 2,
    'supernet.hasExports': runs.some((r) => r.exports > 0),
  };
}
