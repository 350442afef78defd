import * as tf from '@tensorflow/tfjs-core';
import type { ParameterKind, Supernet, SupernetParameter } from '../model/supernet';
import type { TrainConfig } from '../../config/configSchema';
import { Optimizer } from './optimizer';
import { decayRule } from './weightDecay';
import {
  crossEntropy,
  distillationLoss,
  predictionErrorNorms,
  softTargetLoss,
} from '../model/losses';
import type { PathFeedback, SampledSubnet } from './samplers/samplerTypes';
import { gradientVariance, pathFeedback, scaledGradients, trainableSizes } from './gradientStats';

export interface StepOutcome {
  /** Cross-entropy against the labels of each subnet, in training order. */
  losses: number[];
  /** Mean KL(teacher ‖ student) over the distilled subnets, if any. */
  distillLoss?: number;
  gradVariance: { total: number; stages: number[] };
  /** Gradient norms of each subnet, for importance sampling (only when asked for). */
  feedback?: PathFeedback[];
  /** ‖softmax(z) − onehot(y)‖₂ of the first subnet, per image (only when asked for). */
  errorNorms?: Float32Array;
}

export interface StepOptions {
  distillation: boolean;
  lr: number;
  wantFeedback: boolean;
  wantErrorNorms: boolean;
  /** Per-image loss weights (importance sampling); absent: all 1. */
  weights?: tf.Tensor1D;
  /**
   * A frozen teacher's probabilities for the batch (fine-tuning, OFA's knowledge
   * distillation): each subnet's loss is then KL(teacher ‖ subnet) + cross-entropy against
   * the labels, and `distillation` (in-place, from subnet 0) does not apply.
   */
  softTargets?: tf.Tensor2D;
}

/**
 * One training step: each subnet's gradient is computed on its own (the first subnet
 * is the teacher when distillation is on), the gradients are summed into one update,
 * and their spread across subnets is measured as the gradient variance.
 */
export class SerialStepRunner {
  /** tfjs variable name → the supernet's parameter (stable name, block). */
  private readonly params = new Map<string, SupernetParameter>();
  /** Stable name → the same parameter. */
  private readonly byName = new Map<string, SupernetParameter>();
  private readonly totalParams: number;
  private readonly stageParams: number[];

  constructor(
    private readonly net: Supernet,
    private readonly optimizer: Optimizer,
  ) {
    const params = net.parameters();
    for (const p of params) {
      if (!p.variable.trainable) continue;
      this.params.set(p.variable.name, p);
      this.byName.set(p.name, p);
    }
    const sizes = trainableSizes(params, net.space.stages.length);
    this.totalParams = sizes.total;
    this.stageParams = sizes.stages;
  }

  run(subnets: SampledSubnet[], x: tf.Tensor4D, y: tf.Tensor1D, opts: StepOptions): StepOutcome {
    const sum = new Map<string, tf.Tensor>();
    const sq = new Map<string, tf.Tensor>();
    const ceLosses: tf.Scalar[] = [];
    const distill: tf.Scalar[] = [];
    const feedback: PathFeedback[] = [];
    let teacherProbs: tf.Tensor2D | undefined;
    let errorNorms: Float32Array | undefined;
    const n = subnets.length;
    const frozen = opts.softTargets;
    try {
      subnets.forEach((sub, i) => {
        let logits: tf.Tensor2D | undefined;
        let parts: { kd: tf.Scalar; ce: tf.Scalar } | undefined;
        const student = !frozen && opts.distillation && teacherProbs !== undefined;
        const { value, grads } = tf.variableGrads(() => {
          const z = this.net.forward(sub.arch, x, 'train');
          logits = tf.keep(z);
          if (frozen) {
            parts = softTargetLoss(z, y, frozen, opts.weights);
            return tf.add(parts.kd, parts.ce) as tf.Scalar;
          }
          return student
            ? distillationLoss(z, teacherProbs!, opts.weights)
            : crossEntropy(z, y, opts.weights);
        }, this.net.trainableVariables(sub.arch));
        const z = logits!;
        if (parts) {
          distill.push(parts.kd);
          ceLosses.push(parts.ce);
          value.dispose();
        } else if (student) {
          distill.push(value);
          ceLosses.push(tf.tidy(() => crossEntropy(z, y)));
        } else {
          ceLosses.push(value);
        }
        if (i === 0 && !frozen && opts.distillation && n > 1)
          teacherProbs = tf.tidy(() => tf.softmax(z));
        if (i === 0 && opts.wantErrorNorms) {
          const e = predictionErrorNorms(z, y);
          errorNorms = e.dataSync() as Float32Array;
          e.dispose();
        }
        if (opts.wantFeedback) feedback.push(this.gradNorms(sub, grads));
        const scaled = scaledGradients(sub, grads);
        for (const [vname, g] of Object.entries(scaled)) {
          const name = this.params.get(vname)!.name;
          const s = sum.get(name);
          const q = sq.get(name);
          sum.set(name, s ? tf.add(s, g) : tf.clone(g));
          // Squares serve only the variance across subnets, which one subnet does not have.
          if (n > 1) {
            sq.set(
              name,
              tf.tidy(() => (q ? tf.add(q, tf.square(g)) : tf.square(g))),
            );
          }
          if (s) s.dispose();
          if (q) q.dispose();
        }
        tf.dispose(Object.values(grads));
        if (scaled !== grads) tf.dispose(Object.values(scaled));
        z.dispose();
      });
      const gradVariance = this.variance(sum, sq, n);
      this.optimizer.apply(sum, opts.lr, subnets);
      const scalars = tf.tidy(() => tf.stack([...ceLosses, ...distill]).dataSync());
      const losses = Array.from(scalars.subarray(0, ceLosses.length));
      const d = Array.from(scalars.subarray(ceLosses.length));
      return {
        losses,
        ...(d.length ? { distillLoss: d.reduce((a, b) => a + b, 0) / d.length } : {}),
        gradVariance,
        ...(opts.wantFeedback ? { feedback } : {}),
        ...(errorNorms ? { errorNorms } : {}),
      };
    } finally {
      tf.dispose([...sum.values(), ...sq.values(), ...ceLosses, ...distill]);
      if (teacherProbs) teacherProbs.dispose();
    }
  }

  /** See gradientVariance: the weights' places are this net's parameters'. */
  private variance(
    sum: Map<string, tf.Tensor>,
    sq: Map<string, tf.Tensor>,
    n: number,
  ): { total: number; stages: number[] } {
    const placeOf = (name: string) => this.byName.get(name)?.at;
    return gradientVariance(sum, sq, n, placeOf, this.totalParams, this.stageParams);
  }

  private gradNorms(sub: SampledSubnet, grads: tf.NamedTensorMap): PathFeedback {
    return pathFeedback(sub, Object.entries(grads), (vname) => this.params.get(vname)?.at);
  }
}

/** Whether L2 weight decay applies to a tensor of this kind (see serialStepRunner). */
export const decays = (kind: ParameterKind): boolean =>
  kind === 'kernel' || kind === 'linear-weight';

/**
 * The optimizer over every trainable weight of `net` (or only those in `only`: a subnet
 * trained alone needs no slots for the weights it never reads) and a step runner using it.
 */
export function serialStepRunner(
  net: Supernet,
  train: TrainConfig,
  only?: ReadonlySet<tf.Variable>,
): { optimizer: Optimizer; runner: SerialStepRunner } {
  // Weight decay on convolution kernels and the classifier's weight, never on batch norm's
  // scales and shifts nor on biases: the BigNAS recipe as its public reproductions set it
  // (AttentiveNAS/AlphaNet's parameter groups, `weight_decay_bn_bias: 0`; the rule is not
  // quoted here from the BigNAS text itself) and as OFA's training script does
  // (`no_decay_keys = "bn#bias"`). Nor on kernel transforms. In which updates it counts:
  // `train.weightDecayScope` (weightDecay.ts).
  const trainables = net
    .parameters()
    .filter((p) => p.variable.trainable && (!only || only.has(p.variable)))
    .map((p) => ({ name: p.name, variable: p.variable, decay: decays(p.kind) }));
  const optimizer = new Optimizer(
    train.optimizer,
    train.weightDecay,
    trainables,
    decayRule(train.weightDecayScope, net),
  );
  return { optimizer, runner: new SerialStepRunner(net, optimizer) };
}
