import * as tf from '@tensorflow/tfjs-core';
import { gradientVariance } from '../train/gradientStats';
import type { SharedViews, VariableLayout } from './sharedStep';

/** Σ and Σ² of a step's subnet gradients, and the order the variables were first seen in. */
export interface GradientSums {
  sum: Float32Array;
  sq: Float32Array;
  order: number[];
}

/**
 * Σ and Σ² of the subnets' gradients, slot by slot in subnet order, in float32: the sums
 * SerialStepRunner forms with tf.add / tf.square (IEEE float32 add and multiply, correctly
 * rounded, are what storing the double result into a Float32Array / Math.fround gives).
 * `order` lists the variables in the order SerialStepRunner's maps first see them, since the
 * optimizer and the variance walk those maps in insertion order. `squares` false: the slots
 * are shards of one subnet's gradient (a data-parallel step), whose spread means nothing.
 */
export function sumGradients(views: SharedViews, n: number, squares = n > 1): GradientSums {
  const { layout } = views;
  const sum = new Float32Array(layout.total);
  const sq = new Float32Array(squares ? layout.total : 0);
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
        if (squares) sq[k] = first ? Math.fround(g * g) : sq[k] + Math.fround(g * g);
      }
    }
  }
  return { sum, sq, order };
}

/** The sums as tensors by stable name, in first-seen order (what SerialStepRunner's maps hold). */
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

/** SerialStepRunner's gradient variance (gradientVariance), with the weights' places from the layout. */
export function gradientVarianceOf(
  layout: VariableLayout,
  sum: Map<string, tf.Tensor>,
  sq: Map<string, tf.Tensor>,
  n: number,
): { total: number; stages: number[] } {
  let totalParams = 0;
  const stageParams = new Array<number>(layout.stages).fill(0);
  layout.names.forEach((_, i) => {
    totalParams += layout.sizes[i];
    const at = layout.at[i];
    if (at) stageParams[at.stage] = (stageParams[at.stage] ?? 0) + layout.sizes[i];
  });
  const index = new Map(layout.names.map((name, i) => [name, i]));
  const placeOf = (name: string) => layout.at[index.get(name)!];
  const stages = [...stageParams].map((v) => v ?? 0);
  return gradientVariance(sum, sq, n, placeOf, totalParams, stages);
}
