import { SubnetScorer } from '../evaluate/subnetScorer';
import { Cancelled } from '../runError';
import { engineThreads } from '../parallel/engineThreads';
import type { TrainingSession } from '../run/trainingSession';
import { flopsLimitOf, inheritedAccuracies, rankAgainstTable } from './tableRanking';
import { truthOf, truthTableFor, type TruthTable } from './truthTable';

/**
 * Per-epoch ranking of a run on a benchmark space: at each epoch's end the table's subnets
 * are scored in the supernet (BN recalibrated, on the engine's threads) and compared with
 * their stand-alone accuracies; a `ranking` event carries every figure. Runs on other
 * spaces have no table and skip it at no cost.
 */
export class EpochRanking {
  private constructor(
    private readonly s: TrainingSession,
    private readonly table: TruthTable,
    private readonly scorer: SubnetScorer,
  ) {}

  static open(s: TrainingSession, calibration: Int32Array[]): EpochRanking | undefined {
    let table: TruthTable | undefined;
    try {
      table = truthTableFor(s.s.opened.config);
    } catch (e) {
      s.info(`Ranking table not read, no per-epoch ranking: ${(e as Error).message}`, 'warning');
      return undefined;
    }
    if (!table) return undefined;
    s.info(
      `This run's space is the ranking benchmark's (${table.name}): each epoch ends with the ` +
        `supernet's ranking of its ${table.subnets.length} subnets against their stand-alone accuracy.`,
    );
    return new EpochRanking(
      s,
      table,
      new SubnetScorer(s.s.trainer.net, s.s.data, calibration, engineThreads()),
    );
  }

  /** Scores the table's subnets and emits the epoch's figures; false when stopped first. */
  async rank(epoch: number, shouldStop?: () => boolean): Promise<boolean> {
    const t0 = this.s.s.now();
    const { config } = this.s.s.opened;
    let inherited: number[];
    try {
      inherited = await inheritedAccuracies(this.table, this.scorer, shouldStop);
    } catch (e) {
      if (e instanceof Cancelled) return false;
      throw e;
    }
    const limit = flopsLimitOf(
      config,
      truthOf(this.table).map((t) => t.flops),
    );
    this.s.emit({
      type: 'ranking',
      time: this.s.s.now(),
      epoch,
      step: this.s.step,
      ...rankAgainstTable(this.table, inherited, limit, config.train.seed),
      seconds: (this.s.s.now() - t0) / 1000,
    });
    return true;
  }

  close(): Promise<void> {
    return this.scorer.close();
  }
}
