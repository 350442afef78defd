import * as tf from '@tensorflow/tfjs-core';
import type { SupernetConfig } from '../../config/configSchema';
import { sortExpandedChannels, type ChannelOrder } from '../model/channelSorting';
import { initialSupernet, type Supernet } from '../model/supernet';
import { Rng } from '../rng';
import { RunError } from '../runError';
import type { TensorRecord } from '../run/checkpoint';
import { BatchSampler, type BatchSamplerState } from './dataSampler';
import type { Optimizer } from './optimizer';
import { createSampler } from './samplers';
import type { Sampler } from './samplerTypes';
import { stepperFor, type StepRunner } from './trainStep';

/** What a checkpoint's header holds besides the tensors: everything to continue exactly. */
export interface CheckpointHeader {
  version: 1;
  runId: string;
  step: number;
  totalSteps: number;
  spaceKey: string;
  backend: string;
  samplerRng: number[];
  dataRng: number[];
  /** The augmentation stream (absent in checkpoints of runs without augmentation). */
  augmentRng?: number[];
  sampler: unknown;
  batches: BatchSamplerState;
  optimizerSteps: number;
  elapsedSeconds: number;
}

/**
 * The state of a supernet's training: weights, optimizer slots, the subnet sampler, the
 * batch order and their random streams. Separate streams for weights, subnet sampling
 * and data order, so that changing one never shifts another.
 */
export class Trainer {
  readonly net: Supernet;
  readonly optimizer: Optimizer;
  readonly runner: StepRunner;
  readonly sampler: Sampler;
  readonly batches: BatchSampler;
  readonly samplerRng: Rng;
  readonly dataRng: Rng;
  /** Crops and flips of training images: its own stream, so turning them on shifts nothing else. */
  readonly augmentRng: Rng;
  /** Whether the sampler learns from gradient norms (PA&DA): the step must measure them. */
  readonly importance: boolean;

  constructor(config: SupernetConfig, trainImages: number) {
    const seed = config.train.seed;
    this.net = initialSupernet(config);
    this.samplerRng = new Rng(seed + 1);
    this.dataRng = new Rng(seed + 2);
    this.augmentRng = new Rng(seed + 3);
    this.sampler = createSampler(config, this.samplerRng);
    this.importance = config.train.sampler.type === 'importance';
    this.batches = new BatchSampler(
      trainImages,
      config.train.batchSize,
      this.dataRng,
      this.importance ? 'importance' : 'shuffle',
      { importanceWeight: config.train.sampler.importanceWeight },
    );
    ({ optimizer: this.optimizer, runner: this.runner } = stepperFor(this.net, config.train));
  }

  /**
   * Channel sorting (Once-for-All): the expanded channels of every block by importance, and
   * the optimizer's slots with them. Adds no state of its own: the reordered weights and
   * slots are the checkpoint's tensors, and when it runs is a function of the step
   * (channelSortDue). Returns what it reordered.
   */
  sortChannels(): ChannelOrder[] {
    const orders = sortExpandedChannels(this.net);
    this.optimizer.permute(orders);
    return orders;
  }

  /** Every tensor a checkpoint holds, by its stable name: weights, statistics, optimizer slots. */
  stateTensors(): [string, tf.Variable][] {
    return [...this.net.namedVariables(), ...this.optimizer.namedSlots()];
  }

  /** The tensors of a checkpoint, copied out of the backend. */
  tensorRecords(): TensorRecord[] {
    return this.stateTensors().map(([name, v]) => ({
      name,
      shape: v.shape,
      data: v.dataSync() as Float32Array,
    }));
  }

  /** The header fields the trainer owns. */
  headerState(): Pick<
    CheckpointHeader,
    'samplerRng' | 'dataRng' | 'augmentRng' | 'sampler' | 'batches' | 'optimizerSteps'
  > {
    return {
      samplerRng: this.samplerRng.state(),
      dataRng: this.dataRng.state(),
      augmentRng: this.augmentRng.state(),
      sampler: this.sampler.state(),
      batches: this.batches.state(),
      optimizerSteps: this.optimizer.steps,
    };
  }

  /** Continues from a checkpoint: tensors by name, then the sampler, batches and streams. */
  restore(header: CheckpointHeader, tensors: TensorRecord[], what: string): void {
    restoreTensors(tensors, this.stateTensors(), what);
    this.optimizer.steps = header.optimizerSteps;
    this.sampler.restore(header.sampler);
    this.batches.restore(header.batches);
    this.samplerRng.setState(header.samplerRng);
    this.dataRng.setState(header.dataRng);
    if (header.augmentRng) this.augmentRng.setState(header.augmentRng);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.net.dispose();
  }
}

/** Copy checkpointed tensors into variables by name; names or sizes that differ are an error naming them. */
export function restoreTensors(
  records: TensorRecord[],
  targets: [string, tf.Variable][],
  what: string,
): void {
  const byName = new Map(records.map((t) => [t.name, t]));
  for (const [name, v] of targets) {
    const t = byName.get(name);
    if (!t || t.data.length !== v.size) {
      throw new RunError(
        `${what} lacks ${name} or has it at the wrong size: it does not match the config's search space.`,
      );
    }
    v.assign(tf.tensor(t.data, v.shape));
  }
}
