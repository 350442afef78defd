import type { RunStatus } from './records';

/**
 * A run's state as the editor and the CLI show it: what run.json and the events say, with
 * `interrupted` for a run that says it is running while no live process holds its lock
 * (killed, crashed, the machine went down): it can be resumed.
 */
export type RunState = RunStatus | 'interrupted' | 'unknown';

/** One run as the Runs tree, the status bar and the pickers show it. */
export interface RunSummary {
  id: string;
  dir: string;
  configPath: string;
  status: RunState;
  backend?: string;
  step?: number;
  totalSteps?: number;
  /** Best validation accuracy of the largest subnet over the epochs so far. */
  bestAccuracy?: number;
  /** Distinct subnets in candidates.jsonl. */
  candidates: number;
  hasPareto: boolean;
  /** ONNX models in the run's exports folder. */
  exports: number;
  created?: string;
}
