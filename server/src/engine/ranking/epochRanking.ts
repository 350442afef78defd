import { SubnetEvaluator } from '../evaluate/subnetEvaluator';
import type { Baseline } from './baselines';
import { initProxies, PROXIES } from './initProxies';
import { Cancelled } from '../runError';
import { engineThreads } from '../threads/engineThreads';
import type { RankingHost } from './rankingHost';
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
    private readonly s: RankingHost,
    private readonly table: TruthTable,
    private readonly evaluator: SubnetEvaluator,
    /** The zero-cost proxies of the table's subnets, at initialisation: the same every epoch. */
    private readonly proxies: Baseline[],
  ) {}

  static open(s: RankingHost, calibration: Int32Array[]): EpochRanking | undefined {
    let table: TruthTable | undefined;
    try {
      table = truthTableFor(s.config);
    } catch (e) {
      s.info(`Ranking table not read, no per-epoch ranking: ${(e as Error).message}`, 'warning');
      return undefined;
    }
    if (!table) return undefined;
    s.info(
      `This run's space is the ranking benchmark's (${table.name}): each epoch ends with the ` +
        `supernet's ranking of its ${table.subnets.length} subnets against their stand-alone accuracy.`,
    );
    const t0 = s.now();
    const archs = truthOf(table).map((t) => t.arch);
    const proxies = initProxies(s.config, archs, s.data, calibration[0]);
    s.info(
      `zero-cost proxies (${PROXIES.join(', ')}) of the ${archs.length} subnets at initialisation, ` +
        `on ${calibration[0].length} training images: ${((s.now() - t0) / 1000).toFixed(1)} s`,
    );
    return new EpochRanking(
      s,
      table,
      new SubnetEvaluator(s.weights, s.data, calibration, engineThreads()),
      proxies,
    );
  }

  /**
   * Scores the table's subnets and emits the epoch's figures: their inherited accuracies, in
   * table order, or undefined when stopped first.
   */
  async rank(epoch: number, shouldStop?: () => boolean): Promise<number[] | undefined> {
    const t0 = this.s.now();
    const { config } = this.s;
    let inherited: number[];
    try {
      inherited = await inheritedAccuracies(this.table, this.evaluator, shouldStop);
    } catch (e) {
      if (e instanceof Cancelled) return undefined;
      throw e;
    }
    const limit = flopsLimitOf(
      config,
      truthOf(this.table).map((t) => t.flops),
    );
    this.s.emit({
      type: 'ranking',
      time: this.s.now(),
      epoch,
      step: this.s.step,
      ...rankAgainstTable(this.table, inherited, limit, config.train.seed, this.proxies),
      seconds: (this.s.now() - t0) / 1000,
    });
    return inherited;
  }

  close(): Promise<void> {
    return this.evaluator.close();
  }
}
