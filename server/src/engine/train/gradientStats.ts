import * as tf from '@tensorflow/tfjs-core';
import type { SupernetParameter } from '../model/supernet';
import type { PathFeedback, SampledSubnet } from './samplers/samplerTypes';

/**
 * Trainable weights in all and per stage: what gradientVariance averages over. One count for
 * every step runner (the engine's and the pytorch backend's).
 */
export function trainableSizes(
  params: readonly SupernetParameter[],
  stages: number,
): { total: number; stages: number[] } {
  const perStage = new Array<number>(stages).fill(0);
  let total = 0;
  for (const p of params) {
    if (!p.variable.trainable) continue;
    total += p.variable.size;
    if (p.at) perStage[p.at.stage] += p.variable.size;
  }
  return { total, stages: perStage };
}

/** Where a shared weight sits: its stage and block (absent for stem, head, classifier). */
export type WeightPlace = { stage: number; block: number } | undefined;

/**
 * ‖∇‖₂ of one subnet's gradient, in total, per stage and per active block: what the
 * importance sampler learns from. One function for the one-thread step and the
 * subnet-parallel helpers, so both reduce the same tensors in the same order.
 */
export function pathFeedback(
  sub: SampledSubnet,
  entries: [string, tf.Tensor][],
  placeOf: (name: string) => WeightPlace,
): PathFeedback {
  const sqs = tf.tidy(() => tf.stack(entries.map(([, g]) => tf.sum(tf.square(g)))).dataSync());
  return feedbackOfSquares(
    sub,
    entries.map(([name]) => name),
    sqs,
    placeOf,
  );
}

/**
 * pathFeedback from each tensor's Σ g² already taken (where the gradients are elsewhere:
 * the pytorch backend's compute process).
 */
export function feedbackOfSquares(
  sub: SampledSubnet,
  names: readonly string[],
  sqs: ArrayLike<number>,
  placeOf: (name: string) => WeightPlace,
): PathFeedback {
  const stageSq = sub.arch.stages.map(() => 0);
  const blockSq = sub.arch.stages.map((s) => s.blocks.map(() => 0));
  const stageSum = sub.arch.stages.map(() => 0);
  const blockSum = sub.arch.stages.map((s) => s.blocks.map(() => 0));
  let total = 0;
  let totalSum = 0;
  names.forEach((name, i) => {
    const norm = Math.sqrt(sqs[i]);
    total += sqs[i];
    totalSum += norm;
    const at = placeOf(name);
    if (at && blockSq[at.stage] && at.block < blockSq[at.stage].length) {
      blockSq[at.stage][at.block] += sqs[i];
      stageSq[at.stage] += sqs[i];
      blockSum[at.stage][at.block] += norm;
      stageSum[at.stage] += norm;
    }
  });
  return {
    arch: sub.arch,
    totalGradNorm: Math.sqrt(total),
    stageGradNorms: stageSq.map(Math.sqrt),
    blockGradNorms: blockSq.map((bs) => bs.map(Math.sqrt)),
    tensorNormSums: { total: totalSum, stages: stageSum, blocks: blockSum },
  };
}

/**
 * Mean over every shared weight of the variance across the step's n subnets of their
 * gradients, from the sums of gradients and of their squares: in total (over
 * `totalParams` weights) and per stage (over `stageParams[s]`). See StepEvent in
 * shared/src/protocol/engine.ts.
 */
export function gradientVariance(
  sum: Map<string, tf.Tensor>,
  sq: Map<string, tf.Tensor>,
  n: number,
  placeOf: (name: string) => WeightPlace,
  totalParams: number,
  stageParams: readonly number[],
): { total: number; stages: number[] } {
  if (n < 2) return { total: 0, stages: stageParams.map(() => 0) };
  const names = [...sum.keys()];
  const perVar = tf.tidy(() =>
    tf
      .stack(
        names.map((name) =>
          tf.sum(tf.relu(tf.sub(tf.div(sq.get(name)!, n), tf.square(tf.div(sum.get(name)!, n))))),
        ),
      )
      .dataSync(),
  );
  return varianceByPlace(names, perVar, placeOf, totalParams, stageParams);
}

/**
 * gradientVariance from each tensor's Σ over its weights of the variance across subnets,
 * already taken (where the gradients are elsewhere: the pytorch backend).
 */
export function varianceByPlace(
  names: readonly string[],
  perVar: ArrayLike<number>,
  placeOf: (name: string) => WeightPlace,
  totalParams: number,
  stageParams: readonly number[],
): { total: number; stages: number[] } {
  const stages = stageParams.map(() => 0);
  let total = 0;
  names.forEach((name, i) => {
    total += perVar[i];
    const at = placeOf(name);
    if (at) stages[at.stage] += perVar[i];
  });
  return {
    total: total / totalParams,
    stages: stages.map((v, s) => (stageParams[s] ? v / stageParams[s] : 0)),
  };
}

/**
 * A subnet's gradients as they enter the step's sum: times its `gradScale` (DεpS's learning
 * rate of the subnets, delayedEpsilonShrinking.ts), as new tensors; `grads` itself without one.
 * Every step runner scales with this one tf.mul, so they stay bit for bit the same.
 */
export function scaledGradients(sub: SampledSubnet, grads: tf.NamedTensorMap): tf.NamedTensorMap {
  const scale = sub.gradScale ?? 1;
  if (scale === 1) return grads;
  // In a tidy, so that the scalar tf.mul makes of `scale` does not outlive it.
  return tf.tidy(() =>
    Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, scale)])),
  );
}
