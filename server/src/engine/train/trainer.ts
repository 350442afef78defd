import * as tf from '@tensorflow/tfjs-core';
import type { SupernetConfig } from '../../config/configSchema';
import { sortExpandedChannels, type ChannelOrder } from '../model/channelSorting';
import type { SharedWeights } from '../model/sharedWeights';
import { initialSupernet, type Supernet } from '../model/supernet';
import { Rng } from '#shared/rng';
import { RunError } from '../runError';
import type { TensorRecord } from '../storage/checkpoint';
import { BatchSampler } from '../data/dataSampler';
import type { SpaceDecisions } from '../../space/decisions';
import { FewShotSplit, SplitSupernet, partTensorName } from './fewShotSplit';
import type { Optimizer } from './optimizer';
import { depsGradScale } from './samplers/delayedEpsilonShrinking';
import { samplerSpace, type SamplerSpace } from './samplers/samplerSpace';
import { createSampler, sharesResolution } from './samplers/samplers';
import type { Sampler, SampledSubnet } from './samplers/samplerTypes';
import {
  SerialStepRunner,
  serialStepRunner,
  type StepOptions,
  type StepOutcome,
} from './trainStep';

/** What a checkpoint's header holds besides the tensors: everything to continue exactly. */
import type { CheckpointHeader } from './checkpointHeader';

export type { CheckpointHeader, CheckpointSplit } from './checkpointHeader';

/** A supernet under training: its weights, its optimizer's slots and the step on both. */
export interface TrainedSupernet {
  net: Supernet;
  optimizer: Optimizer;
  runner: SerialStepRunner;
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
 * and data order, so that changing one never shifts another. After a few-shot split
 * (`splitInto`) it trains K sub-supernets, one per step in turn; `net`, `optimizer` and
 * `runner` are then those of the part the next step trains, and `weights` serves each
 * subnet from its own part.
 */
export class Trainer {
  private parts: TrainedSupernet[];
  /** The part the next step trains (0 before the split). */
  private active = 0;
  private fewShot: { split: FewShotSplit; weights: SplitSupernet; parentSteps: number } | undefined;
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
  private readonly space: SamplerSpace;

  constructor(
    private readonly config: SupernetConfig,
    trainImages: number,
  ) {
    const seed = config.train.seed;
    this.space = samplerSpace(config);
    this.samplerRng = new Rng(seed + 1);
    this.dataRng = new Rng(seed + 2);
    this.augmentRng = new Rng(seed + 3);
    this.sampler = createSampler(config, this.samplerRng);
    this.distillation = config.train.distillation;
    const { type, importanceWeight, padaReweight } = config.train.sampler;
    const mode = type === 'importance' || type === 'pada' ? type : 'shuffle';
    this.measuresGradients = mode !== 'shuffle' || type === 'shiftnas';
    this.measuresErrors = mode !== 'shuffle';
    this.weightsLoss = mode === 'importance' || (mode === 'pada' && padaReweight);
    this.batches = new BatchSampler(trainImages, config.train.batchSize, this.dataRng, mode, {
      importanceWeight,
      reweight: padaReweight,
    });
    this.parts = [trainedSupernet(initialSupernet(config), config)];
    this.weights = {
      space: config.space,
      task: config.task,
      supernetOf: (arch) => this.fewShot?.weights.supernetOf(arch) ?? this.parts[0].net,
      dispose: () => undefined,
    };
  }

  /**
   * The supernet the next (or current) step trains: the parent, or after the split the step's
   * part. Between steps it is already the next step's, so a caller may hand `runner` to `step`.
   */
  get net(): Supernet {
    return this.parts[this.active].net;
  }

  get optimizer(): Optimizer {
    return this.parts[this.active].optimizer;
  }

  get runner(): SerialStepRunner {
    return this.parts[this.active].runner;
  }

  /**
   * The weights each subnet is scored with: the parent, or after the split its part's
   * sub-supernet. One view for the whole run, asked at each use, so a evaluator opened before
   * the split scores with the parts after it. The trainer owns the supernets: the view's
   * dispose does nothing.
   */
  readonly weights: SharedWeights;

  /** The few-shot split, once it happened. */
  get split(): FewShotSplit | undefined {
    return this.fewShot?.split;
  }

  get decisions(): SpaceDecisions {
    return this.space.decisions;
  }

  /**
   * Splits the parent into one sub-supernet per group of `split`: each a copy of the parent's
   * weights, statistics and optimizer state, bit for bit; the parent's variables go.
   */
  splitInto(split: FewShotSplit): void {
    if (this.fewShot) throw new Error('The supernet is already split');
    const [parent] = this.parts;
    this.parts = split.groups.map(() => {
      const part = trainedSupernet(parent.net.copy(), this.config);
      part.optimizer.copyStateFrom(parent.optimizer);
      return part;
    });
    this.active = 0;
    this.fewShot = {
      split,
      weights: new SplitSupernet(
        split,
        this.parts.map((p) => p.net),
      ),
      parentSteps: parent.optimizer.steps,
    };
    parent.optimizer.dispose();
    parent.net.dispose();
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
    stepper: Pick<SerialStepRunner, 'run'>,
  ): { subnets: SampledSubnet[]; outcome: StepOutcome } {
    const p = this.prepare(at, gather, stepper);
    let outcome;
    try {
      outcome = stepper.run(p.subnets, p.x, p.y, p.opts);
    } finally {
      p.dispose();
    }
    return { subnets: p.subnets, outcome: this.observe(at, p.indices, outcome) };
  }

  /** `step` with a stepper whose steps run elsewhere (the pytorch backend's process). */
  async stepAsync(
    at: StepPlace,
    gather: (indices: Int32Array) => { x: tf.Tensor4D; y: tf.Tensor1D },
    stepper: {
      run: (...a: Parameters<SerialStepRunner['run']>) => StepOutcome | Promise<StepOutcome>;
    },
  ): Promise<{ subnets: SampledSubnet[]; outcome: StepOutcome }> {
    const p = this.prepare(at, gather, stepper);
    let outcome;
    try {
      outcome = await stepper.run(p.subnets, p.x, p.y, p.opts);
    } finally {
      p.dispose();
    }
    return { subnets: p.subnets, outcome: this.observe(at, p.indices, outcome) };
  }

  /** The step's subnets, batch and options, drawn from the streams in their fixed order. */
  private prepare(
    at: StepPlace,
    gather: (indices: Int32Array) => { x: tf.Tensor4D; y: tf.Tensor1D },
    stepper: object,
  ): {
    subnets: SampledSubnet[];
    indices: Int32Array;
    x: tf.Tensor4D;
    y: tf.Tensor1D;
    opts: StepOptions;
    dispose: () => void;
  } {
    const progress = at.step / at.totalSteps;
    const split = this.fewShot?.split;
    if (split) this.active = split.partOfStep(at.step);
    // Another part's runner would train the wrong weights without a word.
    if (stepper instanceof SerialStepRunner && stepper !== this.runner)
      throw new Error(`Step ${at.step} trains part ${this.active + 1}: hand it that part's runner`);
    const drawn = this.sampler.sample(progress);
    const confined = split
      ? split.confine(
          drawn,
          this.active,
          this.space,
          this.samplerRng,
          sharesResolution(this.config.train),
        )
      : drawn;
    // DεpS: every subnet but the full model at its own learning rate, as a gradient scale.
    const scale = depsGradScale(at.step, at, this.config.train);
    const subnets =
      scale === 1
        ? confined
        : confined.map((sub) => (sub.role === 'largest' ? sub : { ...sub, gradScale: scale }));
    const batch = this.batches.next(progress);
    const { x, y } = gather(batch.indices);
    const weights = this.weightsLoss ? tf.tensor1d(batch.weights) : undefined;
    return {
      subnets,
      indices: batch.indices,
      x,
      y,
      opts: {
        distillation: this.distillation,
        lr: at.lr,
        wantFeedback: this.measuresGradients,
        wantErrorNorms: this.measuresErrors,
        ...(weights ? { weights } : {}),
      },
      dispose: () => tf.dispose(weights ? [x, y, weights] : [x, y]),
    };
  }

  /** The step's feedback to the samplers, and the epoch's end. */
  private observe(at: StepPlace, indices: Int32Array, outcome: StepOutcome): StepOutcome {
    const progress = at.step / at.totalSteps;
    if (outcome.feedback) this.sampler.observe(outcome.feedback, progress);
    if (outcome.errorNorms) this.batches.observe(indices, outcome.errorNorms);
    if ((at.step + 1) % at.stepsPerEpoch === 0) this.sampler.epochEnd();
    const split = this.fewShot?.split;
    if (split) this.active = split.partOfStep(at.step + 1);
    return outcome;
  }

  /**
   * Channel sorting (Once-for-All): the expanded channels of every block by importance, and
   * the optimizer's slots with them. Adds no state of its own: the reordered weights and
   * slots are the checkpoint's tensors, and when it runs is a function of the step
   * (channelSortDue). Returns what it reordered.
   */
  sortChannels(): ChannelOrder[] {
    return this.parts.flatMap(({ net, optimizer }) => {
      const orders = sortExpandedChannels(net);
      optimizer.permute(orders);
      return orders;
    });
  }

  /**
   * Every tensor a checkpoint holds, by its stable name: weights, statistics, optimizer slots;
   * after the split, every sub-supernet's under its part's prefix.
   */
  stateTensors(): [string, tf.Variable][] {
    const own = ({ net, optimizer }: TrainedSupernet): [string, tf.Variable][] => [
      ...net.namedVariables(),
      ...optimizer.namedSlots(),
    ];
    if (!this.fewShot) return own(this.parts[0]);
    return this.parts.flatMap((p, k) =>
      own(p).map(([name, v]): [string, tf.Variable] => [partTensorName(k, name), v]),
    );
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
    'samplerRng' | 'dataRng' | 'augmentRng' | 'sampler' | 'batches' | 'optimizerSteps' | 'split'
  > {
    const steps = this.parts.map((p) => p.optimizer.steps);
    const fewShot = this.fewShot;
    return {
      samplerRng: this.samplerRng.state(),
      dataRng: this.dataRng.state(),
      augmentRng: this.augmentRng.state(),
      sampler: this.sampler.state(),
      batches: this.batches.state(),
      optimizerSteps: fewShot ? fewShot.parentSteps : steps[0],
      ...(fewShot ? { split: { ...fewShot.split.state(), optimizerSteps: steps } } : {}),
    };
  }

  /**
   * Continues from a checkpoint: the split when it has one (checked against the space),
   * tensors by name, then the sampler, batches and streams.
   */
  restore(header: CheckpointHeader, tensors: TensorRecord[], what: string): void {
    if (this.fewShot) throw new Error('Only a trainer not yet split restores a checkpoint');
    if (header.split) {
      const split = FewShotSplit.of(header.split, this.space.decisions, what);
      if (header.split.optimizerSteps.length !== split.parts)
        throw new RunError(
          `${what} counts the updates of ${header.split.optimizerSteps.length} sub-supernets, not ${split.parts}.`,
        );
      this.splitInto(split);
      restoreTensors(tensors, this.stateTensors(), what);
      this.parts.forEach((p, k) => (p.optimizer.steps = header.split!.optimizerSteps[k]));
      this.fewShot!.parentSteps = header.optimizerSteps;
      this.active = this.fewShot!.split.partOfStep(header.step);
    } else {
      restoreTensors(tensors, this.stateTensors(), what);
      this.optimizer.steps = header.optimizerSteps;
    }
    this.sampler.restore(header.sampler);
    this.batches.restore(header.batches);
    this.samplerRng.setState(header.samplerRng);
    this.dataRng.setState(header.dataRng);
    if (header.augmentRng) this.augmentRng.setState(header.augmentRng);
  }

  dispose(): void {
    for (const { net, optimizer } of this.parts) {
      optimizer.dispose();
      net.dispose();
    }
  }
}

function trainedSupernet(net: Supernet, config: SupernetConfig): TrainedSupernet {
  return { net, ...serialStepRunner(net, config.train) };
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
