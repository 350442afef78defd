import * as tf from '@tensorflow/tfjs-core';
import { pathFeedback, scaledGradients } from '../train/gradientStats';
import type { Supernet } from '../model/supernet';
import type { BlockPosition } from '../../space/layers';
import type { SampledSubnet, PathFeedback } from '../train/samplers/samplerTypes';
import { crossEntropy, distillationLoss, predictionErrorNorms } from '../model/losses';

/**
 * What the threads of a subnet-parallel step share, and the per-subnet work every one of
 * them runs (the main thread and the helpers alike, so that a subnet's gradient is the same
 * bits whichever thread computed it).
 *
 * Shared memory (SharedArrayBuffers, allocated once by the main thread):
 *   ctl      Int32 control words (CTL below), waited on with Atomics.wait/notify;
 *   weights  every trainable weight, float32, in `layout.names` order (main writes, helpers read);
 *   grads    one slot of P floats per subnet of the step: that subnet's gradient;
 *   present  one row of V int32 per subnet: 1 where the subnet has a gradient for variable v;
 *   teacher  the largest subnet's softmax, batch × classes (distillation's target);
 *   x, y, w  the batch: images, labels, per-image loss weights;
 *   bn       data-parallel steps' batch-norm exchange: two halves (alternate exchanges use
 *            alternate halves) of one row of `bnRow` floats per thread.
 */
export const CTL = {
  /** Step generation: bumped by the main thread when a step starts. */
  gen: 0,
  /** Next index into the step's work queue (claimed with Atomics.add). */
  next: 1,
  /** = gen once the teacher's probabilities of this step are in `teacher`. */
  teacher: 2,
  /** Subnets of this step finished (by any thread). */
  done: 3,
  /** Non-zero when a helper failed; its message follows on the result port. */
  error: 4,
  /** Version of the weights in `weights` (bumped by the main thread when it writes them). */
  weightsVersion: 5,
  /** Helpers that have left this step's claim loop (none claims from the next step's queue). */
  left: 6,
  /** Threads arrived at the current batch-norm barrier (data-parallel steps). */
  barrierArrived: 7,
  /** Batch-norm barriers passed: bumped by the last thread to arrive. */
  barrierGen: 8,
  size: 9,
} as const;

/** The trainable variables in a fixed order, by stable name, with their offsets in a slot. */
export interface VariableLayout {
  names: string[];
  /** The block each variable belongs to (absent: stem, head, classifier). */
  at: (BlockPosition | undefined)[];
  shapes: number[][];
  offsets: number[];
  sizes: number[];
  /** Sum of sizes: floats per gradient slot. */
  total: number;
  /** Stages of the space (the variance is reported per stage). */
  stages: number;
}

export function variableLayout(net: Supernet): VariableLayout {
  const names: string[] = [];
  const at: (BlockPosition | undefined)[] = [];
  const shapes: number[][] = [];
  const offsets: number[] = [];
  const sizes: number[] = [];
  let total = 0;
  for (const { name, variable: v, at: position } of net.parameters()) {
    if (!v.trainable) continue;
    names.push(name);
    at.push(position);
    shapes.push([...v.shape]);
    offsets.push(total);
    sizes.push(v.size);
    total += v.size;
  }
  return { names, at, shapes, offsets, sizes, total, stages: net.space.stages.length };
}

export interface SharedBuffers {
  ctl: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  present: SharedArrayBuffer;
  teacher: SharedArrayBuffer;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  w: SharedArrayBuffer;
  bn: SharedArrayBuffer;
  maxSubnets: number;
  maxBatch: number;
  imageSize: number;
  classes: number;
  threads: number;
  /** Floats per thread in `bn`: dβ and dγ of the widest batch norm. */
  bnRow: number;
}

export function allocateShared(
  layout: VariableLayout,
  maxSubnets: number,
  maxBatch: number,
  imageSize: number,
  classes: number,
  threads: number,
  maxChannels: number,
): SharedBuffers {
  const bnRow = 2 * maxChannels;
  return {
    ctl: new SharedArrayBuffer(CTL.size * 4),
    weights: new SharedArrayBuffer(layout.total * 4),
    grads: new SharedArrayBuffer(maxSubnets * layout.total * 4),
    present: new SharedArrayBuffer(maxSubnets * layout.names.length * 4),
    teacher: new SharedArrayBuffer(maxBatch * classes * 4),
    x: new SharedArrayBuffer(maxBatch * imageSize * 4),
    y: new SharedArrayBuffer(maxBatch * 4),
    w: new SharedArrayBuffer(maxBatch * 4),
    bn: new SharedArrayBuffer(2 * threads * bnRow * 4),
    maxSubnets,
    maxBatch,
    imageSize,
    classes,
    threads,
    bnRow,
  };
}

/** Typed views of the shared buffers. */
export class SharedViews {
  readonly ctl: Int32Array;
  readonly weights: Float32Array;
  readonly grads: Float32Array;
  readonly present: Int32Array;
  readonly teacher: Float32Array;
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly w: Float32Array;
  readonly bn: Float32Array;

  constructor(
    readonly buf: SharedBuffers,
    readonly layout: VariableLayout,
  ) {
    this.ctl = new Int32Array(buf.ctl);
    this.weights = new Float32Array(buf.weights);
    this.grads = new Float32Array(buf.grads);
    this.present = new Int32Array(buf.present);
    this.teacher = new Float32Array(buf.teacher);
    this.x = new Float32Array(buf.x);
    this.y = new Int32Array(buf.y);
    this.w = new Float32Array(buf.w);
    this.bn = new Float32Array(buf.bn);
  }

  slot(i: number): Float32Array {
    return this.grads.subarray(i * this.layout.total, (i + 1) * this.layout.total);
  }

  presentRow(i: number): Int32Array {
    const v = this.layout.names.length;
    return this.present.subarray(i * v, (i + 1) * v);
  }
}

/**
 * Blocks until ctl[index] === want, or throws when a helper has failed (ctl.error) or
 * nothing happened for `timeoutMs`.
 */
export function waitFor(ctl: Int32Array, index: number, want: number, timeoutMs = 120_000): void {
  const t0 = Date.now();
  for (;;) {
    const v = Atomics.load(ctl, index);
    if (v === want) return;
    if (Atomics.load(ctl, CTL.error) !== 0) throw new HelperFailed();
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`parallel step: no progress for ${timeoutMs} ms (ctl[${index}]=${v})`);
    }
    Atomics.wait(ctl, index, v, 100);
  }
}

export class HelperFailed extends Error {
  constructor() {
    super('a step helper failed');
  }
}

/** One subnet of a step, as the threads see it. */
export interface StepJob {
  gen: number;
  subnets: SampledSubnet[];
  /** Indices of subnets 1..n-1 in the order they are claimed (costliest first). */
  queue: number[];
  batchShape: [number, number, number, number];
  distillation: boolean;
  hasWeights: boolean;
  wantFeedback: boolean;
}

/** What a thread reports for one subnet it computed. */
export interface SubnetResult {
  index: number;
  ce: number;
  distill?: number;
  feedback?: PathFeedback;
  errorNorms?: Float32Array;
}

/**
 * Forward and backward pass of subnet `index` of the step on this thread's replica of the
 * weights, exactly as SerialStepRunner.run computes it; the gradient goes to the subnet's slot.
 * Subnet 0 with distillation publishes the teacher's probabilities as soon as its forward
 * pass is done (before its backward pass), and a student waits for them only once its own
 * forward pass is done.
 */
export function computeSubnet(
  net: Supernet,
  views: SharedViews,
  varIndex: ReadonlyMap<string, number>,
  job: StepJob,
  index: number,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  weights: tf.Tensor1D | undefined,
  wantErrorNorms: boolean,
): SubnetResult {
  const sub = job.subnets[index];
  const n = job.subnets.length;
  const teacherRole = job.distillation && n > 1 && index === 0;
  const student = job.distillation && n > 1 && index > 0;
  const batch = job.batchShape[0];
  const classes = views.buf.classes;
  let logits: tf.Tensor2D | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const z = net.forward(sub.arch, x, 'train');
    logits = tf.keep(z);
    if (teacherRole) {
      // The same softmax SerialStepRunner takes after the gradient; computed here, on the tape
      // but off the loss's path, so that the students need not wait for the backward pass.
      const p = tf.softmax(z);
      views.teacher.set(p.dataSync() as Float32Array, 0);
      Atomics.store(views.ctl, CTL.teacher, job.gen);
      Atomics.notify(views.ctl, CTL.teacher);
    }
    if (student) {
      waitFor(views.ctl, CTL.teacher, job.gen);
      const t = tf.tensor2d(views.teacher.slice(0, batch * classes), [batch, classes]);
      return distillationLoss(z, t, weights);
    }
    return crossEntropy(z, y, weights);
  }, net.trainableVariables(sub.arch));
  const z = logits!;
  try {
    const result: SubnetResult = { index, ce: 0 };
    if (student) {
      result.distill = value.dataSync()[0];
      result.ce = tf.tidy(() => crossEntropy(z, y)).dataSync()[0];
    } else {
      result.ce = value.dataSync()[0];
    }
    if (index === 0 && wantErrorNorms) {
      const e = predictionErrorNorms(z, y);
      result.errorNorms = e.dataSync() as Float32Array;
      e.dispose();
    }
    const entries = Object.entries(grads);
    if (job.wantFeedback) result.feedback = gradNorms(sub, entries, views.layout, varIndex);
    const scaled = scaledGradients(sub, grads);
    try {
      writeGradients(views, varIndex, index, Object.entries(scaled));
    } finally {
      if (scaled !== grads) tf.dispose(Object.values(scaled));
    }
    return result;
  } finally {
    tf.dispose(Object.values(grads));
    tf.dispose([value, z]);
  }
}

/** A gradient (by tfjs variable name) into slot `index`, with its row of present variables. */
export function writeGradients(
  views: SharedViews,
  varIndex: ReadonlyMap<string, number>,
  index: number,
  entries: [string, tf.Tensor][],
): void {
  const slot = views.slot(index);
  const present = views.presentRow(index);
  present.fill(0);
  for (const [vname, g] of entries) {
    const v = varIndex.get(vname);
    if (v === undefined) throw new Error(`parallel step: unknown variable ${vname}`);
    slot.set(g.dataSync() as Float32Array, views.layout.offsets[v]);
    present[v] = 1;
  }
}

/** SerialStepRunner's path feedback (pathFeedback), with the weights' places from the layout. */
function gradNorms(
  sub: SampledSubnet,
  entries: [string, tf.Tensor][],
  layout: VariableLayout,
  varIndex: ReadonlyMap<string, number>,
): PathFeedback {
  return pathFeedback(sub, entries, (vname) => layout.at[varIndex.get(vname)!]);
}

/** tfjs variable name → index in the layout, for `net`'s variables on this thread. */
export function variableIndex(net: Supernet, layout: VariableLayout): Map<string, number> {
  const byName = new Map(layout.names.map((n, i) => [n, i]));
  const out = new Map<string, number>();
  for (const [name, v] of net.namedVariables()) {
    const i = byName.get(name);
    if (i !== undefined) out.set(v.name, i);
  }
  return out;
}

/** Overwrites `net`'s trainable weights with the shared copy. */
export function loadWeights(net: Supernet, views: SharedViews): void {
  const { layout } = views;
  const byName = new Map(net.namedVariables());
  tf.tidy(() => {
    layout.names.forEach((name, i) => {
      const v = byName.get(name)!;
      const data = views.weights.slice(layout.offsets[i], layout.offsets[i] + layout.sizes[i]);
      v.assign(tf.tensor(data, layout.shapes[i]));
    });
  });
}

/** Writes `net`'s trainable weights to the shared copy. */
export function storeWeights(net: Supernet, views: SharedViews): void {
  const { layout } = views;
  const byName = new Map(net.namedVariables());
  layout.names.forEach((name, i) => {
    views.weights.set(byName.get(name)!.dataSync() as Float32Array, layout.offsets[i]);
  });
}
