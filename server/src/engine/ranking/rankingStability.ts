import type { Arch } from '#shared/arch';
import { STABLE_TAU } from '#shared/protocol/engine';
import { subnetCost } from '../../space/facts';
import { SubnetEvaluator } from '../evaluate/subnetEvaluator';
import { engineThreads } from '../threads/engineThreads';
import { Cancelled } from '../runError';
import type { RankingHost } from './rankingHost';
import { stratifiedArchs } from '../../space/stratifiedArchs';
import { kendallTauB } from '../search/rankCorrelation';
import { spaceDecisions } from '../../space/decisions';

/** Subnets of the probe set on a space without a benchmark table. */
export const PROBE_SUBNETS = 20;

/**
 * Has the supernet's ranking settled? At each epoch's end the inherited accuracies of a
 * fixed probe set (the benchmark table's subnets, or PROBE_SUBNETS spread over MACs, drawn
 * with the run's seed) are compared with the previous epoch's: τ-b ≥ STABLE_TAU says more
 * training is unlikely to reorder them much. Chosen on the shipped benchmark runs, where
 * the true τ was within 0.07 of its final value whenever this fired (lab/maturity-signal.ts).
 * It says nothing about whether the order is right (a supernet can settle on a bad order),
 * and it rises as the learning rate decays at a schedule's end.
 */
export class RankingStability {
  private previous?: number[];

  private constructor(
    private readonly s: RankingHost,
    private readonly probe: { archs: Arch[]; evaluator: SubnetEvaluator } | undefined,
  ) {}

  /** With `ownProbe` false the caller hands in the scores of its own probe (the table's). */
  static open(s: RankingHost, calibration: Int32Array[], ownProbe: boolean): RankingStability {
    if (!ownProbe) return new RankingStability(s, undefined);
    const { config } = s;
    const archs = stratifiedArchs(
      spaceDecisions(config.space, config.task),
      (a) => subnetCost(config.space, config.task, a).flops,
      PROBE_SUBNETS,
      config.train.seed + 11,
    );
    const evaluator = new SubnetEvaluator(s.weights, s.data, calibration, engineThreads());
    return new RankingStability(s, { archs, evaluator });
  }

  /**
   * Emits the epoch's stability from `scores` (the probe's inherited accuracies, in a fixed
   * order), or from scoring its own probe; false when stopped while scoring.
   */
  async observe(epoch: number, shouldStop?: () => boolean, scores?: number[]): Promise<boolean> {
    const t0 = this.s.now();
    let now = scores;
    if (!now) {
      if (!this.probe) return true;
      const byIndex = new Map<Arch, number>();
      try {
        await this.probe.evaluator.evaluateAll(
          this.probe.archs,
          (arch, evaluation) => byIndex.set(arch, evaluation.accuracy),
          shouldStop,
        );
      } catch (e) {
        if (e instanceof Cancelled) return false;
        throw e;
      }
      now = this.probe.archs.map((a) => byIndex.get(a)!);
    }
    const tau = this.previous ? kendallTauB(this.previous, now) : NaN;
    this.previous = now;
    this.s.emit({
      type: 'stability',
      time: this.s.now(),
      epoch,
      step: this.s.step,
      probe: now.length,
      kendallTau: Number.isFinite(tau) ? tau : null,
      settled: tau >= STABLE_TAU,
      seconds: (this.s.now() - t0) / 1000,
    });
    return true;
  }

  close(): Promise<void> {
    return this.probe?.evaluator.close() ?? Promise.resolve();
  }
}
