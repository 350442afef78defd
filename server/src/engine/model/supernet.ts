import * as tf from '@tensorflow/tfjs-core';
import type { SpaceConfig, SupernetConfig, TaskConfig } from '../../config/configSchema';
import { largestArch } from '../../space/arch';
import { archKey, type Arch } from '#shared/arch';
import {
  inputSize,
  residualSources,
  subnetLayers,
  type BlockPosition,
  type ConvLayer,
  type Layer,
} from '../../space/layers';
import { Rng } from '#shared/rng';
import {
  classify,
  convBn,
  resizeInput,
  type BnBatchStats,
  type BnMode,
  type ConvBnWeights,
} from './ops';

/** The shared weights of one convolution + batch norm, at the supernet's largest size. */
interface SharedConv {
  layer: ConvLayer;
  kernel: tf.Variable<tf.Rank.R4>;
  gamma: tf.Variable<tf.Rank.R1>;
  beta: tf.Variable<tf.Rank.R1>;
  /** Running statistics: set by batch-norm recalibration, not by training steps. */
  mean: tf.Variable<tf.Rank.R1>;
  variance: tf.Variable<tf.Rank.R1>;
}

/** What a tensor of the supernet is: decay, statistics and checkpoints treat kinds differently. */
export type ParameterKind =
  | 'kernel'
  | 'kernel-transform'
  | 'bn-scale'
  | 'bn-shift'
  | 'bn-statistic'
  | 'linear-weight'
  | 'linear-bias';

export interface SupernetOptions {
  /**
   * Elastic depthwise kernels through learned transforms (OFA): a smaller kernel is the
   * centre of the next larger one times a (size²)×(size²) matrix per layer and size step,
   * instead of the bare centre, so small kernels need not share the large one's centre.
   */
  kernelTransform?: boolean;
  /**
   * BigNAS: the last batch norm of each residual block starts with scale 0, so every block
   * starts as the identity and a deep subnet starts as its shallow sibling.
   */
  zeroInitResidual?: boolean;
}

/** A transform matrix of one depthwise layer, from one kernel size to the next smaller. */
interface KernelTransform {
  from: number;
  to: number;
  matrix: tf.Variable<tf.Rank.R2>;
}

export interface SupernetParameter {
  /** The stable name a checkpoint stores it under. */
  name: string;
  variable: tf.Variable;
  kind: ParameterKind;
  /** The block it belongs to; absent for the stem, the head and the classifier. */
  at?: BlockPosition;
}

/** The layers a subnet runs, with the shared weights sliced to its sizes. */
export interface SubnetPlan {
  arch: Arch;
  layers: Layer[];
  /** Input height and width after elastic resolution. */
  input: [number, number];
}

/**
 * A weight-sharing MBConv supernet. Every layer owns one weight tensor at its largest
 * size; a subnet uses the first channels (elastic width and expand ratio), the centre
 * of the largest kernel (elastic kernel), the first blocks of each stage (elastic depth)
 * and a resized input (elastic resolution). The layer list of any subnet comes from
 * space/layers.ts, the same list the FLOPs and parameter counts come from.
 */
export class Supernet {
  readonly convs = new Map<string, SharedConv>();
  readonly classifierWeight: tf.Variable<tf.Rank.R2>;
  readonly classifierBias: tf.Variable<tf.Rank.R1>;
  /** By depthwise layer: its kernel transforms, largest size first (kernelTransform only). */
  readonly transforms = new Map<string, KernelTransform[]>();
  private readonly plans = new Map<string, SubnetPlan>();

  constructor(
    readonly space: SpaceConfig,
    readonly task: TaskConfig,
    rng: Rng,
    readonly options: SupernetOptions = {},
  ) {
    const largest = subnetLayers(space, task, largestArch(space, task));
    const residual = new Set(
      largest.flatMap((l) => (l.kind === 'add' && l.at ? [`${l.at.stage}/${l.at.block}`] : [])),
    );
    for (const l of largest) {
      if (l.kind !== 'conv') continue;
      const inPerGroup = l.cin / l.groups;
      const shape: [number, number, number, number] =
        l.role === 'depthwise'
          ? [l.kernel, l.kernel, l.cin, 1]
          : [l.kernel, l.kernel, l.cin, l.cout];
      const fanIn = l.kernel * l.kernel * inPerGroup;
      this.convs.set(l.name, {
        layer: l,
        kernel: tf.variable(heNormal(shape, fanIn, rng) as tf.Tensor4D, true),
        gamma: tf.variable(
          options.zeroInitResidual &&
            l.role === 'project' &&
            l.at &&
            residual.has(`${l.at.stage}/${l.at.block}`)
            ? tf.zeros([l.cout])
            : tf.ones([l.cout]),
          true,
        ),
        beta: tf.variable(tf.zeros([l.cout]), true),
        mean: tf.variable(tf.zeros([l.cout]), false),
        variance: tf.variable(tf.ones([l.cout]), false),
      });
    }
    if (options.kernelTransform) this.addTransforms();
    const head = space.head.width;
    this.classifierWeight = tf.variable(
      heNormal([head, task.classes], head, rng) as tf.Tensor2D,
      true,
    );
    this.classifierBias = tf.variable(tf.zeros([task.classes]), true);
  }

  /** Identity-initialised transforms for each size step of each elastic depthwise kernel. */
  private addTransforms(): void {
    for (const [name, c] of this.convs) {
      const l = c.layer;
      if (l.role !== 'depthwise' || !l.at) continue;
      const sizes = [...new Set(this.space.stages[l.at.stage].kernel)]
        .filter((k) => k <= l.kernel)
        .sort((a, b) => b - a);
      const steps: KernelTransform[] = [];
      for (let i = 1; i < sizes.length; i++)
        steps.push({
          from: sizes[i - 1],
          to: sizes[i],
          matrix: tf.variable(tf.eye(sizes[i] * sizes[i]) as tf.Tensor2D, true),
        });
      if (steps.length) this.transforms.set(name, steps);
    }
  }

  /** The transforms a layer of `kernel` size goes through: from the largest down to it. */
  private transformsTo(name: string, kernel: number): KernelTransform[] {
    return (this.transforms.get(name) ?? []).filter((t) => t.to >= kernel);
  }

  /**
   * A conv layer's kernel at the subnet's size, before its channels are cut: the centre of
   * the shared kernel, through the transforms down to this size when there are any.
   */
  kernelAt(l: ConvLayer): tf.Tensor4D {
    const c = this.convs.get(l.name);
    if (!c) throw new Error(`The supernet has no layer ${l.name}`);
    let k: tf.Tensor4D = c.kernel;
    let size = c.layer.kernel;
    for (const t of this.transformsTo(l.name, l.kernel)) {
      const off = (size - t.to) / 2;
      const channels = k.shape[2];
      const centre = tf.slice(k, [off, off, 0, 0], [t.to, t.to, channels, 1]);
      // Each channel's t.to² taps times the layer's matrix: [C, taps] · [taps, taps].
      const taps = tf.transpose(tf.reshape(centre, [t.to * t.to, channels]));
      const mixed = tf.matMul(taps, t.matrix);
      k = tf.reshape(tf.transpose(mixed), [t.to, t.to, channels, 1]);
      size = t.to;
    }
    const off = (size - l.kernel) / 2;
    return off === 0
      ? k
      : tf.slice(k, [off, off, 0, 0], [l.kernel, l.kernel, k.shape[2], k.shape[3]]);
  }

  /**
   * The part of a conv layer's shared kernel that a subnet's layer reads, as a shape from
   * its centre (spatially) and its first channels: the crop of the layer's kernel size, or
   * the first transform's input crop when the kernel goes through transforms.
   */
  kernelRegion(l: ConvLayer): [number, number, number, number] {
    const size = this.transformsTo(l.name, l.kernel)[0]?.to ?? l.kernel;
    return [size, size, l.cin, l.role === 'depthwise' ? 1 : l.cout];
  }

  /** The layers and input size of a subnet (cached by arch key). */
  plan(arch: Arch): SubnetPlan {
    const key = archKey(arch);
    let p = this.plans.get(key);
    if (!p) {
      p = {
        arch,
        layers: subnetLayers(this.space, this.task, arch),
        input: inputSize(arch.resolution, this.task),
      };
      if (this.plans.size > 4096) this.plans.clear();
      this.plans.set(key, p);
    }
    return p;
  }

  /** Logits of `arch` for images `x` (NHWC, at the task's input size). */
  forward(arch: Arch, x: tf.Tensor4D, mode: BnMode, stats?: BnBatchStats[]): tf.Tensor2D {
    const plan = this.plan(arch);
    return runLayers(
      plan,
      resizeInput(x, plan.input[0], plan.input[1]),
      (l) => this.sliced(l),
      mode,
      stats,
      () => [this.classifierWeight, this.classifierBias] as const,
    );
  }

  /** Trainable variables a subnet touches: the ones whose gradients it produces. */
  trainableVariables(arch: Arch): tf.Variable[] {
    const vars: tf.Variable[] = [];
    for (const l of this.plan(arch).layers) {
      if (l.kind !== 'conv') continue;
      const c = this.convs.get(l.name)!;
      vars.push(c.kernel, c.gamma, c.beta);
      for (const t of this.transformsTo(l.name, l.kernel)) vars.push(t.matrix);
    }
    vars.push(this.classifierWeight, this.classifierBias);
    return vars;
  }

  /** Every trainable variable of the supernet. */
  allTrainableVariables(): tf.Variable[] {
    const vars: tf.Variable[] = [];
    for (const c of this.convs.values()) vars.push(c.kernel, c.gamma, c.beta);
    for (const steps of this.transforms.values()) for (const t of steps) vars.push(t.matrix);
    vars.push(this.classifierWeight, this.classifierBias);
    return vars;
  }

  /**
   * Every tensor of the supernet's state with a stable checkpoint name, what it is, and
   * the block it belongs to: the optimizer decays weights by kind, and the step's
   * gradient statistics group them by stage and block.
   */
  parameters(): SupernetParameter[] {
    const out: SupernetParameter[] = [];
    for (const [name, c] of this.convs) {
      const at = c.layer.at ? { at: c.layer.at } : {};
      out.push(
        { name: `${name}.kernel`, variable: c.kernel, kind: 'kernel', ...at },
        { name: `${name}.gamma`, variable: c.gamma, kind: 'bn-scale', ...at },
        { name: `${name}.beta`, variable: c.beta, kind: 'bn-shift', ...at },
        { name: `${name}.mean`, variable: c.mean, kind: 'bn-statistic', ...at },
        { name: `${name}.variance`, variable: c.variance, kind: 'bn-statistic', ...at },
      );
      for (const t of this.transforms.get(name) ?? [])
        out.push({
          name: `${name}.transform${t.from}to${t.to}`,
          variable: t.matrix,
          kind: 'kernel-transform',
          ...at,
        });
    }
    out.push(
      { name: 'classifier.weight', variable: this.classifierWeight, kind: 'linear-weight' },
      { name: 'classifier.bias', variable: this.classifierBias, kind: 'linear-bias' },
    );
    return out;
  }

  /** Every tensor of the supernet's state by its stable name: weights and running statistics. */
  namedVariables(): [string, tf.Variable][] {
    return this.parameters().map((p) => [p.name, p.variable]);
  }

  /** One supernet serves every subnet of its space: a supernet is its own SharedWeights. */
  supernetOf(): Supernet {
    return this;
  }

  /**
   * Another supernet of the same space and options holding the same values, bit for bit
   * (weights, running statistics, transforms), in variables of its own: training one does
   * not change the other.
   */
  copy(): Supernet {
    const twin = new Supernet(this.space, this.task, new Rng(0), this.options);
    const mine = new Map(this.namedVariables());
    tf.tidy(() => {
      for (const [name, v] of twin.namedVariables()) v.assign(tf.clone(mine.get(name)!));
    });
    return twin;
  }

  /** The conv layer's shared weights cut to the subnet's sizes. */
  private sliced(l: ConvLayer): ConvBnWeights {
    const c = this.convs.get(l.name);
    if (!c) throw new Error(`The supernet has no layer ${l.name}`);
    const full = c.layer;
    const depthwise = l.role === 'depthwise';
    const sized = this.kernelAt(l);
    const kernel =
      l.cin === full.cin && l.cout === full.cout
        ? sized
        : tf.slice(sized, [0, 0, 0, 0], [l.kernel, l.kernel, l.cin, depthwise ? 1 : l.cout]);
    const cut = (v: tf.Variable<tf.Rank.R1>) =>
      l.cout === full.cout ? v : tf.slice(v, [0], [l.cout]);
    return {
      kernel: kernel as tf.Tensor4D,
      gamma: cut(c.gamma),
      beta: cut(c.beta),
      mean: cut(c.mean),
      variance: cut(c.variance),
    };
  }

  /**
   * Batch-norm recalibration (BigNAS/OFA): reset the subnet's running statistics, then
   * set them to the average over `batches` of the batch statistics of its layers.
   * Only the subnet's slices change.
   */
  calibrate(arch: Arch, batches: Iterable<tf.Tensor4D>): void {
    const sums = new Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D }>();
    let n = 0;
    for (const x of batches) {
      const stats: BnBatchStats[] = [];
      tf.tidy(() => {
        this.forward(arch, x, 'calibrate', stats);
      });
      for (const s of stats) {
        const prev = sums.get(s.layer);
        if (prev) {
          sums.set(s.layer, {
            mean: tf.add(prev.mean, s.mean),
            variance: tf.add(prev.variance, s.variance),
          });
          tf.dispose([prev.mean, prev.variance, s.mean, s.variance]);
        } else {
          sums.set(s.layer, { mean: s.mean, variance: s.variance });
        }
      }
      n++;
    }
    if (n === 0) throw new Error('Batch-norm recalibration needs at least one batch');
    for (const [layer, s] of sums) {
      const c = this.convs.get(layer)!;
      tf.tidy(() => {
        c.mean.assign(writeHead(c.mean, tf.div(s.mean, n)));
        c.variance.assign(writeHead(c.variance, tf.div(s.variance, n)));
      });
      tf.dispose([s.mean, s.variance]);
    }
  }

  /**
   * Sets the running statistics of layers from batch-norm recalibration done elsewhere (in
   * onnxruntime, see train/evaluateOnnx.ts); as with calibrate, only the first
   * `mean.length` channels of each layer change.
   */
  setRunningStatistics(
    stats: ReadonlyMap<string, { mean: Float32Array; variance: Float32Array }>,
  ): void {
    for (const [layer, s] of stats) {
      const c = this.convs.get(layer);
      if (!c) throw new Error(`The supernet has no layer ${layer}`);
      tf.tidy(() => {
        c.mean.assign(writeHead(c.mean, tf.tensor1d(s.mean)));
        c.variance.assign(writeHead(c.variance, tf.tensor1d(s.variance)));
      });
    }
  }

  dispose(): void {
    for (const [, v] of this.namedVariables()) v.dispose();
  }
}

/**
 * The supernet a run's training starts from: its weights drawn from the run's seed
 * (`train.seed`), with the run's options. The trainer builds its supernet with this, so the
 * weights are the run's first step's, bit for bit.
 */
export function initialSupernet(config: SupernetConfig): Supernet {
  return new Supernet(config.space, config.task, new Rng(config.train.seed), {
    kernelTransform: config.train.kernelTransform,
    zeroInitResidual: config.train.zeroInitResidual,
  });
}

/** `full` with its first `head.size` entries replaced by `head`. */
function writeHead(full: tf.Tensor1D, head: tf.Tensor): tf.Tensor1D {
  const n = head.shape[0]!;
  if (n === full.shape[0]) return head as tf.Tensor1D;
  return tf.concat([head as tf.Tensor1D, tf.slice(full, [n], [full.shape[0] - n])]);
}

/**
 * Runs a subnet's layer list. Shared by the supernet (sliced shared weights) and the
 * extracted standalone subnet (its own copies), so both compute the same function.
 */
export function runLayers(
  plan: SubnetPlan,
  x: tf.Tensor4D,
  weights: (l: ConvLayer) => ConvBnWeights,
  mode: BnMode,
  stats: BnBatchStats[] | undefined,
  classifier: () => readonly [tf.Tensor2D, tf.Tensor1D],
  onConv?: (kernel: tf.Tensor4D, output: tf.Tensor4D) => void,
): tf.Tensor2D {
  let h = x;
  // The outputs that residuals add later, by layer index (−1: the input).
  const sources = residualSources(plan.layers);
  const kept = new Map<number, tf.Tensor4D>([[-1, x]]);
  for (const [i, l] of plan.layers.entries()) {
    switch (l.kind) {
      case 'conv': {
        const w = weights(l);
        h = convBn(
          h,
          w,
          { name: l.name, stride: l.stride, depthwise: l.role === 'depthwise', relu6: l.relu6 },
          mode,
          stats,
        );
        onConv?.(w.kernel, h);
        break;
      }
      case 'add':
        h = tf.add(h, kept.get(l.from)!);
        break;
      case 'pool':
        break;
      case 'linear': {
        const [w, b] = classifier();
        return classify(h, w, b);
      }
    }
    if (sources.has(i)) kept.set(i, h);
  }
  throw new Error('A subnet plan must end with the classifier');
}

/** He (Kaiming) normal initialisation from the run's seeded generator. */
function heNormal(shape: number[], fanIn: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const std = Math.sqrt(2 / Math.max(1, fanIn));
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
  return tf.tensor(data, shape);
}
