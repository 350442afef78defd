import * as tf from '@tensorflow/tfjs-core';
import type { ExtractedSubnet } from '../model/extract';
import { conv } from '../model/ops';
import { residualSources } from '../../space/layers';
import type { SubnetPlan } from '../model/supernet';

/**
 * The synflow proxy of a subnet, as its natural log (Tanaka et al., 2020, "Pruning neural
 * networks without any data by iteratively conserving synaptic flow", as a NAS proxy in
 * Abdelfattah et al., 2021): every weight replaced by its absolute value, one input of all
 * ones at the subnet's resolution, R = the sum of the logits, and the score
 * Σ over the weights θ of |θ · ∂R/∂θ|. Higher predicts a better network.
 *
 * As in the zero-cost-proxy reference code: batch norm is taken out (its forward replaced by
 * the identity, so the score depends on no data), and the sum runs over the weights of the
 * convolutions and of the classifier. The classifier's bias, the only bias left, adds a
 * constant to R that changes no gradient: it is left out of R altogether.
 *
 * Deviations, each forced by what this engine is:
 * - ReLU6 is taken out as well. With positive weights and a positive input every
 *   pre-activation is ≥ 0, so a ReLU is the identity and the network is the linear one that
 *   synflow's derivation assumes. ReLU6 is not: activations grow about tenfold per layer,
 *   nearly every unit would sit above the cap of 6, where the gradient is zero, and only
 *   the last few layers would score.
 * - The reference computes in float64 because R grows as a product over the layers (about
 *   ×10 per layer here: some 40 layers overflow a float32). tfjs has no float64, so each
 *   layer's output is divided by its maximum and the factor kept as a log: the scaled
 *   network computes R·e^(−Λ) with the factors held constant, so its gradient is
 *   ∂R/∂θ · e^(−Λ) and log(score) = Λ + log Σ |θ · ∂R̃/∂θ|. Residual sums bring both operands
 *   to the larger scale first. The log keeps the order of the scores, which is all a rank
 *   correlation reads.
 * - The weights are the subnet's own (extracted: a shared kernel's slice, through the kernel
 *   transforms when the supernet has them), the parameters the subnet has alone. Only the
 *   kernels and the classifier's weight are read: at trained weights too, batch norm's
 *   scales and statistics play no part.
 */
export function synflowScore(subnet: ExtractedSubnet): number {
  const plan = subnet.plan;
  const convs = plan.layers.filter((l) => l.kind === 'conv');
  const [h, w] = plan.input;
  let logScale = 0;
  const parts = tf.tidy(() => {
    const weights = [
      ...convs.map((l) => tf.abs(subnet.convs.get(l.name)!.kernel)),
      tf.abs(subnet.classifierWeight),
    ];
    const ones = tf.ones([1, h, w, convs[0].cin]) as tf.Tensor4D;
    const output = (...ws: tf.Tensor[]): tf.Scalar => {
      const out = linearisedLogits(plan, ws, ones);
      logScale = out.logScale;
      return tf.sum(out.logits);
    };
    const grads = tf.grads(output)(weights);
    return tf.stack(grads.map((g, i) => tf.sum(tf.abs(tf.mul(weights[i], g))))).dataSync();
  });
  let sum = 0;
  for (const v of parts) sum += v;
  return logScale + Math.log(sum);
}

/** A tensor and the log of the factor it was divided by: its value is `t`·e^`logScale`. */
interface Scaled {
  t: tf.Tensor4D;
  logScale: number;
}

/** `t` divided by its maximum (a constant to the gradient), the factor added to the log. */
function normalised(t: tf.Tensor4D, logScale: number): Scaled {
  const max = tf.max(t).dataSync()[0];
  // 0 only when a layer's weights are all 0: nothing to rescale, and R is 0 anyway.
  return max > 0 ? { t: tf.div(t, max), logScale: logScale + Math.log(max) } : { t, logScale };
}

/**
 * The plan's layers with batch norm and activations taken out, on `x`: convolutions with
 * `ws` (in plan order, then the classifier's weight), residual sums, pooling and the
 * classifier without its bias. The logits come divided by e^`logScale`.
 */
function linearisedLogits(
  plan: SubnetPlan,
  ws: tf.Tensor[],
  x: tf.Tensor4D,
): { logits: tf.Tensor2D; logScale: number } {
  const sources = residualSources(plan.layers);
  let h: Scaled = { t: x, logScale: 0 };
  const kept = new Map<number, Scaled>([[-1, h]]);
  let next = 0;
  for (const [i, l] of plan.layers.entries()) {
    switch (l.kind) {
      case 'conv': {
        const spec = { name: l.name, stride: l.stride, depthwise: l.role === 'depthwise' };
        h = normalised(conv(h.t, ws[next++] as tf.Tensor4D, { ...spec, relu6: false }), h.logScale);
        break;
      }
      case 'add': {
        const s = kept.get(l.from)!;
        const top = Math.max(h.logScale, s.logScale);
        const sum = tf.add(
          tf.mul(h.t, Math.exp(h.logScale - top)),
          tf.mul(s.t, Math.exp(s.logScale - top)),
        ) as tf.Tensor4D;
        h = normalised(sum, top);
        break;
      }
      case 'pool':
        break;
      case 'linear': {
        const pooled = tf.mean(h.t, [1, 2]) as tf.Tensor2D;
        return { logits: tf.matMul(pooled, ws[next] as tf.Tensor2D), logScale: h.logScale };
      }
    }
    if (sources.has(i)) kept.set(i, h);
  }
  throw new Error('A subnet plan must end with the classifier');
}
