import { archKey, type Arch } from '#shared/arch';
import type { SupernetConfig } from '../../config/configSchema';
import type { TrainingData } from '../data/batches';
import { SubnetEvaluator } from '../evaluate/subnetEvaluator';
import type { SharedWeights } from '../model/sharedWeights';
import { trainStandalone } from '../standalone/trainStandalone';
import type { EvaluatedSubnet, Executor, TrainAloneProgress, TrainedAlone } from './executor';

/**
 * What a local executor computes with: the run's supernet (or few-shot sub-supernets), config,
 * data and calibration images.
 */
export interface LocalContext {
  net: SharedWeights;
  config: SupernetConfig;
  data: TrainingData;
  calibration: Int32Array[];
  /** Threads for evaluation and stand-alone training (default: the engine's thread limit). */
  threads?: number;
}

/** Progress of a stand-alone training at most this often (and at its last step). */
const PROGRESS_MS = 250;

/**
 * Runs every job in this process: subnets on the engine's threads (SubnetEvaluator), results
 * in the order given; stand-alone trainings one after another even when several are asked
 * for at once (they would only share the same cores).
 */
export class LocalExecutor implements Executor {
  readonly name = 'local';
  private queue: Promise<unknown> = Promise.resolve();
  private evaluator: SubnetEvaluator | undefined;

  constructor(private readonly ctx: LocalContext) {}

  async evaluate(
    archs: readonly Arch[],
    onResult: (r: EvaluatedSubnet) => void,
    shouldStop?: () => boolean,
  ): Promise<void> {
    const unique = new Map(archs.map((a) => [archKey(a), a]));
    const { net, data, calibration } = this.ctx;
    this.evaluator ??= new SubnetEvaluator(net, data, calibration, this.ctx.threads);
    await this.evaluator.evaluateAll(
      [...unique.values()],
      (arch, evaluation) =>
        onResult({
          key: archKey(arch),
          arch,
          accuracy: evaluation.accuracy,
          loss: evaluation.loss,
        }),
      shouldStop,
    );
  }

  trainAlone(
    arch: Arch,
    epochs: number,
    onProgress: (p: TrainAloneProgress) => void,
    shouldStop?: () => boolean,
  ): Promise<TrainedAlone> {
    const run = async (): Promise<TrainedAlone> => {
      const t0 = Date.now();
      let last = 0;
      const evaluation = await trainStandalone(
        this.ctx.config,
        arch,
        this.ctx.data,
        epochs,
        (step, steps, loss) => {
          if (Date.now() - last < PROGRESS_MS && step < steps) return;
          last = Date.now();
          onProgress({ step, steps, loss });
        },
        shouldStop,
        this.ctx.threads,
      );
      return { ...evaluation, seconds: (Date.now() - t0) / 1000 };
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.evaluator?.close();
    await this.queue.catch(() => undefined);
  }
}
