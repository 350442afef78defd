import type { Arch } from '#shared/arch';
import type { TrainingData } from '../data/batches';
import type { SharedWeights } from '../model/sharedWeights';
import { engineThreads } from '../parallel/engineThreads';
import { Cancelled } from '../runError';
import { subnetCost } from '../../space/facts';
import type { SubnetScore } from './evaluate';
import { evalInputsOf } from './evalInputs';
import { EvalPool } from './evalPool';
import { DEFAULT_CHUNK, evaluateSubnetOnnx, weightsOf } from './evaluateOnnx';
import { costliestFirst, orderedWindow } from '../parallel/orderedWindow';

/**
 * Scores batches of subnets of one supernet (or of a few-shot split's sub-supernets, each
 * subnet with its own part's weights) on the engine's threads: one at a time in this
 * thread when it may use one, else on a pool of evaluation threads, one subnet each. Either
 * way the results come back, and each subnet's recalibrated statistics are written to the
 * supernet it was scored with, in the order asked: a subnet's score does not depend on the others (its
 * recalibration replaces every statistic it reads), so the pool gives the same numbers.
 * onnxruntime runs on one intra-op thread in both, so a search's figures do not depend on
 * the thread count it ran with.
 */
export class SubnetScorer {
  private pool: EvalPool | undefined;

  constructor(
    private readonly net: SharedWeights,
    private readonly data: TrainingData,
    private readonly calibration: Int32Array[],
    readonly threads = engineThreads(),
  ) {}

  async scoreAll(
    archs: readonly Arch[],
    onScore: (arch: Arch, score: SubnetScore) => void,
    shouldStop?: () => boolean,
  ): Promise<void> {
    if (this.threads <= 1) return this.scoreInThisThread(archs, onScore, shouldStop);
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
      start: (i) => pool.score(weightsOf(this.net.supernetOf(archs[i]), archs[i])),
      deliver: (i, { stats, score }) => {
        this.net.supernetOf(archs[i]).setRunningStatistics(stats);
        onScore(archs[i], score);
      },
      shouldStop,
    });
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  private async scoreInThisThread(
    archs: readonly Arch[],
    onScore: (arch: Arch, score: SubnetScore) => void,
    shouldStop?: () => boolean,
  ): Promise<void> {
    for (const arch of archs) {
      if (shouldStop?.()) throw new Cancelled();
      const net = this.net.supernetOf(arch);
      const score = await evaluateSubnetOnnx(net, arch, this.data, this.calibration, {
        threads: 1,
      });
      onScore(arch, score);
      // Lets IPC messages (cancel, status) in between evaluations.
      await new Promise((r) => setImmediate(r));
    }
  }
}
