import { archKey, type Arch } from '#shared/arch';
import type { Candidate, DeviceLatency } from '#shared/runFolder/records';
import type { DeviceLatencySource } from '../devices/deviceLatencies';
import type { SupernetConfig } from '../../config/configSchema';
import { subnetCost } from '../../space/facts';
import type { TrainingData } from '../data/batches';
import { calibrationIndices } from '../evaluate/evaluate';
import type { EvaluatedSubnet, Executor } from '../execute/executor';
import { measureLatency, type LatencyOptions } from '../export/latency';
import type { SharedWeights } from '../model/sharedWeights';
import { encodeModel } from '../onnx/onnxGraph';
import { subnetOnnxModel } from '../onnx/subnetModel';
import type { CandidateStore } from '../storage/candidateStore';

/** The batch-norm recalibration images of a run: the same for search, export, rank and workers. */
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
  /** The devices whose latency every subnet needs (`latency@NAME`), each from its source. */
  devices?: readonly DeviceLatencySource[];
}

/**
 * Turns subnets into candidates.jsonl records, each subnet once: one already there (from
 * this search or an earlier one at the same checkpoint) is reused, so a restarted search
 * repeats no work; the others go to the executor (this process, or queue workers) for
 * BN recalibration + validation accuracy. FLOPs and params are analytic; latency is
 * measured here, on this machine, from the exported model in onnxruntime-node, never on
 * whichever worker evaluated; latency on a named device comes from that device's worker
 * (the exported model sent to it) or its latency table (devices/deviceLatencies.ts).
 * This is the one writer of candidates.jsonl.
 */
export class CandidateMeasurer {
  /** Wall seconds spent waiting for new evaluations, and how many: evaluations per second. */
  seconds = 0;
  fresh = 0;

  constructor(
    private readonly net: SharedWeights,
    private readonly config: SupernetConfig,
    private readonly store: CandidateStore,
    private readonly executor: Executor,
    private readonly options: EvaluatorOptions,
  ) {}

  /**
   * The candidate of every subnet of `archs` (by key). Each goes to `onCandidate` once,
   * as it is known: at once for reused ones, as the executor delivers for new ones.
   * A stop asked for part-way ends it with a Cancelled error; what arrived is stored.
   */
  async measureAll(
    archs: readonly Arch[],
    generation: number,
    onCandidate: (c: Candidate, cached: boolean) => void,
    shouldStop?: () => boolean,
  ): Promise<Map<string, Candidate>> {
    const out = new Map<string, Candidate>();
    const missing = new Map<string, Arch>();
    const needLatency: Candidate[] = [];
    for (const arch of archs) {
      const key = archKey(arch);
      if (out.has(key) || missing.has(key) || needLatency.some((c) => c.key === key)) continue;
      const stored = this.store.get(key);
      const known = stored?.checkpointStep === this.options.checkpointStep ? stored : undefined;
      if (!known) missing.set(key, arch);
      else if (this.lacksLatency(known)) needLatency.push(known);
      else {
        out.set(key, known);
        onCandidate(known, true);
      }
    }
    const t0 = performance.now();
    const record = (c: Candidate) => {
      this.store.add(c);
      this.fresh++;
      out.set(c.key, c);
      onCandidate(c, false);
    };
    try {
      const devices = await this.deviceLatencies(
        needLatency.map((c) => c.arch),
        shouldStop,
      );
      for (const [i, known] of needLatency.entries())
        record({
          ...known,
          ...(this.options.latency && known.latency === undefined
            ? { latency: await this.latencyOf(known.arch) }
            : {}),
          ...(devices[i] ? { deviceLatency: { ...known.deviceLatency, ...devices[i] } } : {}),
        });
      // Results are recorded in the order they arrive, each after its latencies (when
      // measured); the devices time each subnet while the next ones are evaluated.
      let recorded = Promise.resolve();
      const arrived = (r: EvaluatedSubnet) => {
        const onDevices = this.deviceLatencies([r.arch], shouldStop);
        onDevices.catch(() => undefined);
        recorded = recorded.then(async () =>
          record(await this.candidateOf(r, generation, (await onDevices)[0])),
        );
      };
      try {
        await this.executor.evaluate([...missing.values()], arrived, shouldStop);
      } finally {
        await recorded;
      }
    } finally {
      this.seconds += (performance.now() - t0) / 1000;
    }
    return out;
  }

  /** One subnet's candidate (see measureAll). */
  async measure(arch: Arch, generation: number): Promise<Candidate> {
    const all = await this.measureAll([arch], generation, () => undefined);
    return all.get(archKey(arch)) as Candidate;
  }

  /** Whether a stored candidate lacks a latency this search needs (or has it from another source). */
  lacksLatency(c: Candidate): boolean {
    if (this.options.latency && c.latency === undefined) return true;
    return (this.options.devices ?? []).some((d) => c.deviceLatency?.[d.device]?.source !== d.kind);
  }

  /** Each subnet's latency on every device of the search, by device; none without devices. */
  private async deviceLatencies(
    archs: readonly Arch[],
    shouldStop?: () => boolean,
  ): Promise<(Record<string, DeviceLatency> | undefined)[]> {
    const devices = this.options.devices ?? [];
    if (!devices.length || !archs.length) return archs.map(() => undefined);
    const each = await Promise.all(devices.map((d) => d.measure(archs, shouldStop)));
    return archs.map((_, i) => Object.fromEntries(devices.map((d, k) => [d.device, each[k][i]])));
  }

  private async candidateOf(
    r: EvaluatedSubnet,
    generation: number,
    deviceLatency?: Record<string, DeviceLatency>,
  ): Promise<Candidate> {
    const cost = subnetCost(this.config.space, this.config.task, r.arch);
    return {
      key: r.key,
      arch: r.arch,
      accuracy: r.accuracy,
      loss: r.loss,
      flops: cost.flops,
      params: cost.params,
      ...(this.options.latency ? { latency: await this.latencyOf(r.arch) } : {}),
      ...(deviceLatency ? { deviceLatency } : {}),
      checkpointStep: this.options.checkpointStep,
      source: this.options.source,
      generation,
      time: Date.now(),
      ...(r.worker ? { worker: r.worker } : {}),
    };
  }

  /** Median ms of one image through the subnet's ONNX model (batch 1, one thread by default). */
  async latencyOf(arch: Arch): Promise<number> {
    const bytes = encodeModel(subnetOnnxModel(this.net.supernetOf(arch), arch));
    const r = await measureLatency(bytes, this.options.latencyOptions ?? {});
    return r.medianMs;
  }

  get evaluationsPerSecond(): number {
    return this.seconds > 0 ? this.fresh / this.seconds : 0;
  }
}
