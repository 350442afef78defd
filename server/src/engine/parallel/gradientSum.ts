import * as tf from '@tensorflow/tfjs-core';
import type { SharedViews, VariableLayout } from './sharedStep';

/** Σ and Σ² of a step's subnet gradients, and the order the variables were first seen in. */
export interface GradientSums {
  sum: Float32Array;
  sq: Float32Array;
  order: number[];
}

/**
 * Σ and Σ² of the subnets' gradients, slot by slot in subnet order, in float32: the sums
 * StepRunner forms with tf.add / tf.square (IEEE float32 add and multiply, correctly
 * rounded, are what storing the double result into a Float32Array / Math.fround gives).
 * `order` lists the variables in the order StepRunner's maps first see them, since the
 * optimizer and the variance walk those maps in insertion order.
 */
export function sumGradients(views: SharedViews, n: number): GradientSums {
  const { layout } = views;
  const sum = new Float32Array(layout.total);
  const sq = new Float32Array(n > 1 ? layout.total : 0);
  const seen = new Uint8Array(layout.names.length);
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const slot = views.slot(i);
    const present = views.presentRow(i);
    for (let v = 0; v < layout.names.length; v++) {
      if (!present[v]) continue;
      const a = layout.offsets[v];
      const b = a + layout.sizes[v];
      const first = !seen[v];
      if (first) {
        seen[v] = 1;
        order.push(v);
      }
      for (let k = a; k < b; k++) {
        const g = slot[k];
        sum[k] = first ? g : sum[k] + g;
        if (n > 1) sq[k] = first ? Math.fround(g * g) : sq[k] + Math.fround(g * g);
      }
    }
  }
  return { sum, sq, order };
}

/** The sums as tensors by stable name, in first-seen order (what StepRunner's maps hold). */
export function sumTensors(
  layout: VariableLayout,
  sums: GradientSums,
  n: number,
): { sum: Map<string, tf.Tensor>; sq: Map<string, tf.Tensor> } {
  const sum = new Map<string, tf.Tensor>();
  const sq = new Map<string, tf.Tensor>();
  for (const v of sums.order) {
    const [a, b] = [layout.offsets[v], layout.offsets[v] + layout.sizes[v]];
    sum.set(layout.names[v], tf.tensor(sums.sum.subarray(a, b), layout.shapes[v]));
    if (n > 1) sq.set(layout.names[v], tf.tensor(sums.sq.subarray(a, b), layout.shapes[v]));
  }
  return { sum, sq };
}

/**
 * StepRunner's gradient variance (trainStep.ts), with the same tensor ops on the same sums:
 * the mean over weights of the variance across subnets, in total and per stage.
 */
export function gradientVariance(
  layout: VariableLayout,
  sum: Map<string, tf.Tensor>,
  sq: Map<string, tf.Tensor>,
  n: number,
): { total: number; stages: number[] } {
  const stageParams: number[] = [];
  let totalParams = 0;
  layout.names.forEach((_, i) => {
    totalParams += layout.sizes[i];
    const at = layout.at[i];
    if (at) stageParams[at.stage] = (stageParams[at.stage] ?? 0) + layout.sizes[i];
  });
  const stageCount = Math.max(layout.stages, stageParams.length);
  const stages = new Array<number>(stageCount).fill(0);
  if (n < 2) return { total: 0, stages };
  const names = [...sum.keys()];
  const index = new Map(layout.names.map((name, i) => [name, i]));
  const perVar = tf.tidy(() =>
    tf
      .stack(
        names.map((name) =>
          tf.sum(tf.relu(tf.sub(tf.div(sq.get(name)!, n), tf.square(tf.div(sum.get(name)!, n))))),
        ),
      )
      .dataSync(),
  );
  let total = 0;
  names.forEach((name, i) => {
    total += perVar[i];
    const at = layout.at[index.get(name)!];
    if (at) stages[at.stage] += perVar[i];
  });
  return {
    total: total / totalParams,
    stages: stages.map((v, s) => (stageParams[s] ? v / stageParams[s] : 0)),
  };
}
