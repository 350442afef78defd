import type { Arch } from '#shared/arch';
import type { TrainingData } from '../data/batches';
import type { SharedWeights } from '../model/sharedWeights';
import { engineThreads } from '../threads/engineThreads';
import { Cancelled } from '../runError';
import { subnetCost } from '../../space/facts';
import type { Evaluation } from './evaluate';
import { evalInputsOf } from '../onnx/evalInputs';
import { EvalPool } from '../threads/evalPool';
import { DEFAULT_CHUNK, evaluateSubnetOnnx, weightsOf } from './evaluateOnnx';
import { costliestFirst, orderedWindow } from '../threads/orderedWindow';

/**
 * Evaluates batches of subnets of one supernet (or of a few-shot split's sub-supernets, each
 * subnet with its own part's weights) on the engine's threads: one at a time in this
 * thread when it may use one, else on a pool of evaluation threads, one subnet each. Either
 * way the results come back, and each subnet's recalibrated statistics are written to the
 * supernet it was evaluated with, in the order asked: a subnet's evaluation does not depend on the others (its
 * recalibration replaces every statistic it reads), so the pool gives the same numbers.
 * onnxruntime runs on one intra-op thread in both, so a search's figures do not depend on
 * the thread count it ran with.
 */
export class SubnetEvaluator {
  private pool: EvalPool | undefined;

  constructor(
    private readonly net: SharedWeights,
    private readonly data: TrainingData,
    private readonly calibration: Int32Array[],
    readonly threads = engineThreads(),
  ) {}

  async evaluateAll(
    archs: readonly Arch[],
    onEvaluation: (arch: Arch, evaluation: Evaluation) => void,
    shouldStop?: () => boolean,
  ): Promise<void> {
    if (this.threads <= 1) return this.evaluateInThisThread(archs, onEvaluation, shouldStop);
    this.pool ??= new EvalPool(
      this.threads,
      evalInputsOf(this.data, this.calibration),
      DEFAULT_CHUNK,
    );
    const pool = this.pool;
    await orderedWindow({
      count: archs.length,
      // Largest first (evaluation time grows with multiply-adds): a batch's last subnets are
      // its small ones.
      order: costliestFirst(archs.map((a) => subnetCost(this.net.space, this.net.task, a).flops)),
      // Enough requests out to keep every thread busy while this thread extracts the next.
      window: this.threads * 2,
      start: (i) => pool.evaluate(weightsOf(this.net.supernetOf(archs[i]), archs[i])),
      deliver: (i, { stats, evaluation }) => {
        this.net.supernetOf(archs[i]).setRunningStatistics(stats);
        onEvaluation(archs[i], evaluation);
      },
      shouldStop,
    });
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  private async evaluateInThisThread(
    archs: readonly Arch[],
    onEvaluation: (arch: Arch, evaluation: Evaluation) => void,
    shouldStop?: () => boolean,
  ): Promise<void> {
    for (const arch of archs) {
      if (shouldStop?.()) throw new Cancelled();
      const net = this.net.supernetOf(arch);
      const evaluation = await evaluateSubnetOnnx(net, arch, this.data, this.calibration, {
        threads: 1,
      });
      onEvaluation(arch, evaluation);
      // Lets IPC messages (cancel, status) in between evaluations.
      await new Promise((r) => setImmediate(r));
    }
  }
}
