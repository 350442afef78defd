import * as tf from '@tensorflow/tfjs-core';
import type { SupernetConfig } from '../../config/configSchema';
import { sortExpandedChannels, type ChannelOrder } from '../model/channelSorting';
import { initialSupernet, type Supernet } from '../model/supernet';
import { Rng } from '../rng';
import { RunError } from '../runError';
import type { TensorRecord } from '../run/checkpoint';
import { BatchSampler, type BatchSamplerState } from './dataSampler';
import type { Optimizer } from './optimizer';
import { depsGradScale } from './delayedEpsilonShrinking';
import { createSampler } from './samplers';
import type { Sampler, SampledSubnet } from './samplerTypes';
import { stepperFor, type StepOutcome, type StepRunner } from './trainStep';

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

/** Where a step falls in its run, and its learning rate. */
export interface StepPlace {
  /** Steps done before this one. */
  step: number;
  totalSteps: number;
  stepsPerEpoch: number;
  lr: number;
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
  /** Whether the subnet sampler learns from gradient norms (importance, pada, shiftnas): the step must measure them. */
  readonly measuresGradients: boolean;
  /** Whether the batch sampler learns from each image's prediction error (importance, pada). */
  readonly measuresErrors: boolean;
  /** Whether a batch's per-image loss weights differ from 1, so the step must apply them. */
  readonly weightsLoss: boolean;
  private readonly distillation: boolean;
  private readonly train: SupernetConfig['train'];

  constructor(config: SupernetConfig, trainImages: number) {
    const seed = config.train.seed;
    this.net = initialSupernet(config);
    this.samplerRng = new Rng(seed + 1);
    this.dataRng = new Rng(seed + 2);
    this.augmentRng = new Rng(seed + 3);
    this.sampler = createSampler(config, this.samplerRng);
    this.distillation = config.train.distillation;
    this.train = config.train;
    const { type, importanceWeight, padaReweight } = config.train.sampler;
    const mode = type === 'importance' || type === 'pada' ? type : 'shuffle';
    this.measuresGradients = mode !== 'shuffle' || type === 'shiftnas';
    this.measuresErrors = mode !== 'shuffle';
    this.weightsLoss = mode === 'importance' || (mode === 'pada' && padaReweight);
    this.batches = new BatchSampler(trainImages, config.train.batchSize, this.dataRng, mode, {
      importanceWeight,
      reweight: padaReweight,
    });
    ({ optimizer: this.optimizer, runner: this.runner } = stepperFor(this.net, config.train));
  }

  /**
   * One step: the sampler's subnets trained by `stepper` on the next batch (its training
   * indices turned into tensors by `gather`, which the step disposes); the gradient norms
   * go back to the samplers, and after an epoch's last batch the subnet sampler closes
   * the epoch (the batch sampler closes its own when it draws the next batch), before
   * anything can checkpoint the step.
   */
  step(
    at: StepPlace,
    gather: (indices: Int32Array) => { x: tf.Tensor4D; y: tf.Tensor1D },
    stepper: Pick<StepRunner, 'run'>,
  ): { subnets: SampledSubnet[]; outcome: StepOutcome } {
    const progress = at.step / at.totalSteps;
    // DεpS: every subnet but the full model at its own learning rate, as a gradient scale.
    const scale = depsGradScale(at.step, at, this.train);
    const drawn = this.sampler.sample(progress);
    const subnets =
      scale === 1
        ? drawn
        : drawn.map((sub) => (sub.role === 'largest' ? sub : { ...sub, gradScale: scale }));
    const batch = this.batches.next(progress);
    const { x, y } = gather(batch.indices);
    const weights = this.weightsLoss ? tf.tensor1d(batch.weights) : undefined;
    let outcome;
    try {
      outcome = stepper.run(subnets, x, y, {
        distillation: this.distillation,
        lr: at.lr,
        wantFeedback: this.measuresGradients,
        wantErrorNorms: this.measuresErrors,
        ...(weights ? { weights } : {}),
      });
    } finally {
      tf.dispose(weights ? [x, y, weights] : [x, y]);
    }
    if (outcome.feedback) this.sampler.observe(outcome.feedback, progress);
    if (outcome.errorNorms) this.batches.observe(batch.indices, outcome.errorNorms);
    if ((at.step + 1) % at.stepsPerEpoch === 0) this.sampler.epochEnd();
    return { subnets, outcome };
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
