import type { Arch } from '#shared/arch';
import type { Evaluation } from '../evaluate/evaluate';

/** A subnet's evaluation at the run's checkpoint, and the worker that computed it (queue only). */
export interface EvaluatedSubnet {
  key: string;
  arch: Arch;
  accuracy: number;
  loss: number;
  worker?: string;
}

/** A subnet trained alone for a ranking check, and where. */
export interface TrainedAlone extends Evaluation {
  seconds: number;
  worker?: string;
}

export interface TrainAloneProgress {
  step: number;
  steps: number;
  loss: number;
}

/**
 * Where the independent jobs of a search or a ranking check run: in this process
 * (LocalExecutor) or on queue workers over Redis (QueueExecutor). Both give the same
 * numbers for the same subnet; the engine alone turns them into candidates.jsonl records.
 */
export interface Executor {
  /** `local`, or the queue's URL with its password hidden. */
  readonly name: string;
  /**
   * Evaluates subnets (batch-norm recalibration + validation) with the run's checkpoint.
   * Each result goes to `onResult` as it arrives, once per key; resolves when all are in.
   * `shouldStop` returning true ends it early with a Cancelled error.
   */
  evaluate(
    archs: readonly Arch[],
    onResult: (r: EvaluatedSubnet) => void,
    shouldStop?: () => boolean,
  ): Promise<void>;
  /** Trains one subnet alone from scratch with the run's recipe; calls may overlap. */
  trainAlone(
    arch: Arch,
    epochs: number,
    onProgress: (p: TrainAloneProgress) => void,
    shouldStop?: () => boolean,
  ): Promise<TrainedAlone>;
  close(): Promise<void>;
}
