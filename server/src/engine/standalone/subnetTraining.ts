import * as tf from '@tensorflow/tfjs-core';
import type { Arch } from '#shared/arch';
import type { SupernetConfig, TrainConfig } from '../../config/configSchema';
import { subnetCost } from '../../space/facts';
import { BatchAssembler, type TrainingData } from '../data/batches';
import type { Supernet } from '../model/supernet';
import { Rng, rngStateSchema } from '#shared/rng';
import { int, type InferFields } from '#shared/schema/dsl';
import { RunError } from '../runError';
import { BatchSampler, batchSamplerStateSchema } from '../data/dataSampler';
import { learningRate } from '../train/lrSchedule';
import type { Optimizer } from '../train/optimizer';
import type { SampledSubnet } from '../train/samplers/samplerTypes';
import { restoreTensors } from '../train/trainer';
import { serialStepRunner, type SerialStepRunner } from '../train/trainStep';
import { openStepRunner, worthSplitting, type StepRunner } from '../threads/stepRunner';
import type { TensorRecord } from '../storage/checkpoint';

/** What one subnet trained alone starts from and how it is trained. */
export interface SubnetTrainingSetup {
  config: SupernetConfig;
  /** The weights to train: a supernet whose only trained path is `arch`. Owned: closed with the training. */
  net: Supernet;
  arch: Arch;
  /** The recipe: optimizer, learning-rate schedule, weight decay, batch size. */
  train: TrainConfig;
  epochs: number;
  /** Batch order and augmentation come from streams seed + 2 and seed + 3, as the trainer's. */
  seed: number;
  /** A frozen teacher whose probabilities are the soft targets (fine-tuning); not owned. */
  teacher?: { net: Supernet; arch: Arch };
  backend: string;
  /** Threads a step may be split across (data-parallel on wasm, when worth it). */
  threads: number;
}

/** The state of a subnet's training beyond its tensors: enough to continue exactly. */
/** What a checkpoint holds of a subnet's training besides its tensors (fields of its header). */
export const subnetTrainingStateFields = {
  step: int('Steps done.', { minimum: 0 }),
  totalSteps: int('Steps it trains for.', { minimum: 0 }),
  dataRng: rngStateSchema("The batch sampler's random stream."),
  augmentRng: rngStateSchema('The augmentation stream.'),
  batches: batchSamplerStateSchema,
  optimizerSteps: int("The optimizer's updates (Adam's bias correction counts them).", {
    minimum: 0,
  }),
};
export type SubnetTrainingState = InferFields<typeof subnetTrainingStateFields>;

/** One step's figures. */
export interface SubnetStep {
  /** Cross-entropy against the labels. */
  loss: number;
  /** KL(teacher ‖ subnet), with a teacher. */
  distillLoss?: number;
  lr: number;
}

/**
 * One subnet trained on its own, by the trainer's step machinery (SerialStepRunner, or
 * ParallelStepRunner's data-parallel steps on several threads): seeded shuffled batches of
 * the training split with the run's augmentation, one subnet a step, the recipe's learning
 * rate per step. Stand-alone training (from scratch, run/standalone.ts) and fine-tuning (from
 * inherited weights, with a frozen teacher's soft targets, run/finetuneRun.ts) are this with
 * other starting weights. Its state (the subnet's weights, optimizer slots, batch order and
 * streams) is what a checkpoint holds to continue bit for bit.
 */
export class SubnetTraining {
  step = 0;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  private readonly sub: SampledSubnet[];
  private readonly assembler: BatchAssembler;
  /** Crops and flips of the training images: their own stream, as the trainer's. */
  private readonly augmentRng: Rng;

  private constructor(
    private readonly s: SubnetTrainingSetup,
    private readonly data: TrainingData,
    private readonly optimizer: Optimizer,
    private readonly stepper: StepRunner,
    /** The batch order, and the stream it draws from. */
    private readonly batches: BatchSampler,
    private readonly dataRng: Rng,
    /** The subnet's variables: the tensors of its state (and of its checkpoints). */
    private readonly variables: ReadonlySet<tf.Variable>,
    sub: SampledSubnet,
  ) {
    this.sub = [sub];
    this.stepsPerEpoch = batches.stepsPerEpoch;
    this.totalSteps = Math.max(1, Math.round(s.epochs * batches.stepsPerEpoch));
    this.assembler = new BatchAssembler(data);
    this.augmentRng = new Rng(s.seed + 3);
  }

  /** The training's optimizer (over the subnet's weights only) and its stepper, started. */
  static async open(s: SubnetTrainingSetup, data: TrainingData): Promise<SubnetTraining> {
    const variables = subnetVariables(s.net, s.arch);
    const { optimizer, runner } = serialStepRunner(
      s.net,
      // One network trained on its own is its own largest: the supernet's decay scope does not apply.
      { ...s.train, weightDecayScope: 'step' },
      variables,
    );
    const sub: SampledSubnet = {
      role: 'largest',
      arch: s.arch,
      flops: subnetCost(s.config.space, s.config.task, s.arch).flops,
    };
    let stepper: StepRunner | undefined;
    try {
      // One subnet a step, whatever the config's sampler: the pool is sized for that, and not
      // started at all for a subnet whose steps would not be split.
      stepper = await openStepRunner(
        { net: s.net, optimizer, runner },
        {
          ...s.config,
          train: { ...s.train, sampler: { ...s.config.train.sampler, type: 'uniform' } },
        },
        s.backend,
        worthSplitting(sub, s.train.batchSize) ? s.threads : 1,
      );
      const dataRng = new Rng(s.seed + 2);
      const batches = new BatchSampler(
        data.trainIndices.length,
        s.train.batchSize,
        dataRng,
        'shuffle',
      );
      return new SubnetTraining(s, data, optimizer, stepper, batches, dataRng, variables, sub);
    } catch (e) {
      await stepper?.close();
      optimizer.dispose();
      s.net.dispose();
      throw e;
    }
  }

  get net(): Supernet {
    return this.s.net;
  }

  get arch(): Arch {
    return this.s.arch;
  }

  /** Threads a step uses. */
  get threads(): number {
    return this.stepper.threads;
  }

  get runner(): Pick<SerialStepRunner, 'run'> {
    return this.stepper;
  }

  /** Steps of the whole training are done. */
  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  /** One step on the next batch. */
  next(): SubnetStep {
    const { data, s } = this;
    const total = this.totalSteps;
    const lr = learningRate(this.step, total, this.stepsPerEpoch, s.train);
    const batch = this.batches.next(this.step / total);
    const { x, y } = this.assembler.gather(
      Array.from(batch.indices, (i) => data.trainIndices[i]),
      this.augmentRng,
    );
    const teacher = s.teacher;
    const softTargets = teacher
      ? tf.tidy(() => tf.softmax(teacher.net.forward(teacher.arch, x, 'train')) as tf.Tensor2D)
      : undefined;
    try {
      const out = this.stepper.run(this.sub, x, y, {
        distillation: false,
        lr,
        wantFeedback: false,
        wantErrorNorms: false,
        ...(softTargets ? { softTargets } : {}),
      });
      this.step++;
      const loss = out.losses[0];
      if (!Number.isFinite(loss))
        throw new RunError(
          `The loss diverged at step ${this.step} (lr ${lr}): lower the learning rate.`,
        );
      return {
        loss,
        ...(out.distillLoss !== undefined ? { distillLoss: out.distillLoss } : {}),
        lr,
      };
    } finally {
      tf.dispose(softTargets ? [x, y, softTargets] : [x, y]);
    }
  }

  /** The subnet's weights and statistics, and the optimizer's slots, by stable name. */
  stateTensors(): [string, tf.Variable][] {
    return [
      ...this.net.namedVariables().filter(([, v]) => this.variables.has(v)),
      ...this.optimizer.namedSlots(),
    ];
  }

  tensorRecords(): TensorRecord[] {
    return this.stateTensors().map(([name, v]) => ({
      name,
      shape: v.shape,
      data: v.dataSync() as Float32Array,
    }));
  }

  state(): SubnetTrainingState {
    return {
      step: this.step,
      totalSteps: this.totalSteps,
      dataRng: this.dataRng.state(),
      augmentRng: this.augmentRng.state(),
      batches: this.batches.state(),
      optimizerSteps: this.optimizer.steps,
    };
  }

  /** Continues from a checkpoint of this training (same subnet, recipe and length). */
  restore(state: SubnetTrainingState, tensors: TensorRecord[], what: string): void {
    if (state.totalSteps !== this.totalSteps)
      throw new RunError(
        `${what} is of a training of ${state.totalSteps} steps, not ${this.totalSteps}.`,
      );
    restoreTensors(tensors, this.stateTensors(), what);
    this.optimizer.steps = state.optimizerSteps;
    this.batches.restore(state.batches);
    this.dataRng.setState(state.dataRng);
    this.augmentRng.setState(state.augmentRng);
    this.step = state.step;
  }

  /** Ends the step helpers and frees the optimizer and the weights. */
  async close(): Promise<void> {
    await this.stepper.close();
    this.optimizer.dispose();
    this.net.dispose();
  }
}

/**
 * The variables a subnet reads: the trainable ones of its layers (kernels, batch norm's
 * scales and shifts, kernel transforms, the classifier) and its layers' running statistics.
 */
export function subnetVariables(net: Supernet, arch: Arch): Set<tf.Variable> {
  const out = new Set<tf.Variable>(net.trainableVariables(arch));
  for (const l of net.plan(arch).layers) {
    if (l.kind !== 'conv') continue;
    const c = net.convs.get(l.name)!;
    out.add(c.mean);
    out.add(c.variance);
  }
  return out;
}
