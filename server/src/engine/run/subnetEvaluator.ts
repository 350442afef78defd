import type { SupernetConfig } from '../../config/configSchema';
import { archKey, type Arch } from '#shared/arch';
import { subnetCost } from '../../space/facts';
import type { TrainingData } from '../data/batches';
import { encodeModel } from '../onnx/onnxGraph';
import { subnetOnnxModel } from '../onnx/subnetModel';
import { measureLatency, type LatencyOptions } from '../export/latency';
import type { Supernet } from '../model/supernet';
import { calibrationIndices } from '../evaluate/evaluate';
import { evaluateSubnetOnnx } from '../evaluate/evaluateOnnx';
import type { Candidate } from '#shared/runFolder/records';
import type { CandidateStore } from './candidateStore';

/** The batch-norm recalibration images of a run: the same for search, export and rank. */
export const runCalibration = (config: SupernetConfig, data: TrainingData): Int32Array[] =>
  calibrationIndices(
    data,
    config.search.bnRecalibrationBatches,
    Math.min(config.train.batchSize, 256),
  );

export interface EvaluatorOptions {
  /** Measure latency of every subnet (when an objective or a constraint needs it). */
  latency: boolean;
  latencyOptions?: LatencyOptions;
  /** Recorded in candidates.jsonl: which search first evaluated a subnet. */
  source: string;
  /** The checkpoint step of the weights: records of other steps are not reused. */
  checkpointStep: number;
}

/**
 * Evaluates subnets of a trained supernet once each: a subnet already in
 * candidates.jsonl (from this search or an earlier one of the same run) is taken from
 * there, so a restarted search repeats no work. Evaluation = BN recalibration +
 * validation accuracy, run in onnxruntime-node (train/evaluateOnnx.ts: the same numbers as
 * tfjs's evaluateSubnet to float rounding, several times faster); FLOPs and params are
 * analytic; latency is measured on the exported model with onnxruntime-node.
 */
export class SubnetEvaluator {
  private readonly calibration: Int32Array[];
  /** Seconds spent in new evaluations, and how many: evaluations per second. */
  seconds = 0;
  fresh = 0;

  constructor(
    private readonly net: Supernet,
    private readonly config: SupernetConfig,
    private readonly data: TrainingData,
    private readonly store: CandidateStore,
    private readonly options: EvaluatorOptions,
  ) {
    this.calibration = runCalibration(config, data);
  }

  async measure(
    arch: Arch,
    generation: number,
  ): Promise<{ candidate: Candidate; cached: boolean }> {
    const key = archKey(arch);
    const stored = this.store.get(key);
    const known = stored?.checkpointStep === this.options.checkpointStep ? stored : undefined;
    if (known && (!this.options.latency || known.latency !== undefined)) {
      return { candidate: known, cached: true };
    }
    const t0 = performance.now();
    let candidate: Candidate;
    if (known) {
      candidate = { ...known, latency: await this.latencyOf(arch) };
    } else {
      const score = await evaluateSubnetOnnx(this.net, arch, this.data, this.calibration);
      const cost = subnetCost(this.config.space, this.config.task, arch);
      candidate = {
        key,
        arch,
        accuracy: score.accuracy,
        loss: score.loss,
        flops: cost.flops,
        params: cost.params,
        ...(this.options.latency ? { latency: await this.latencyOf(arch) } : {}),
        checkpointStep: this.options.checkpointStep,
        source: this.options.source,
        generation,
        time: Date.now(),
      };
    }
    this.seconds += (performance.now() - t0) / 1000;
    this.fresh++;
    this.store.add(candidate);
    // Let IPC messages (cancel, status) in between evaluations.
    await new Promise((r) => setImmediate(r));
    return { candidate, cached: false };
  }

  /** Median ms of one image through the subnet's ONNX model (batch 1, one thread by default). */
  async latencyOf(arch: Arch): Promise<number> {
    const bytes = encodeModel(subnetOnnxModel(this.net, arch));
    const r = await measureLatency(bytes, this.options.latencyOptions ?? {});
    return r.medianMs;
  }

  get evaluationsPerSecond(): number {
    return this.seconds > 0 ? this.fresh / this.seconds : 0;
  }
}
