import { BN_EPSILON } from '../../../../server/src/engine/model/ops';
import type { ExtractedSubnet } from '../../../../server/src/engine/model/extract';
import type { SubnetPlan } from '../../../../server/src/engine/model/supernet';
import { residualSources, type ConvLayer } from '../../../../server/src/space/layers';

/**
 * An independent float64 reading of a subnet, loop by loop, for the proxies' tests (not a
 * test file itself): no tfjs, so the proxies' tfjs graphs are checked against plain
 * arithmetic.
 */

/** A subnet's weights as float64 arrays, in tfjs's layouts (kernels HWIO; depthwise HWC1). */
export interface NaiveWeights {
  kernels: Map<string, Float64Array>;
  gamma: Map<string, Float64Array>;
  beta: Map<string, Float64Array>;
  classifierWeight: Float64Array;
  classifierBias: Float64Array;
}

export function naiveWeights(sub: ExtractedSubnet): NaiveWeights {
  const f64 = (t: { dataSync(): ArrayLike<number> }) => Float64Array.from(t.dataSync());
  const w: NaiveWeights = {
    kernels: new Map(),
    gamma: new Map(),
    beta: new Map(),
    classifierWeight: f64(sub.classifierWeight),
    classifierBias: f64(sub.classifierBias),
  };
  for (const [name, c] of sub.convs) {
    w.kernels.set(name, f64(c.kernel));
    w.gamma.set(name, f64(c.gamma));
    w.beta.set(name, f64(c.beta));
  }
  return w;
}

/** A batch of feature maps: n images of h×w×c, NHWC. */
interface Maps {
  data: Float64Array;
  n: number;
  h: number;
  w: number;
  c: number;
}

export interface NaiveOptions {
  /** Batch norm with the batch's statistics (true), or none at all. */
  batchNorm: boolean;
  /** ReLU6 where the layer has it (true), or none at all. */
  activation: boolean;
}

export interface NaiveOutput {
  /** n × classes. */
  logits: Float64Array;
  /** Per image: 1 where a ReLU6's input is positive, 0 elsewhere, over every ReLU6 unit. */
  codes: number[][];
}

/** 'same'-padded convolution, TensorFlow's padding: the odd pixel of padding goes after. */
function conv(x: Maps, l: ConvLayer, k: Float64Array): Maps {
  const ho = Math.ceil(x.h / l.stride);
  const wo = Math.ceil(x.w / l.stride);
  const top = Math.floor(Math.max((ho - 1) * l.stride + l.kernel - x.h, 0) / 2);
  const left = Math.floor(Math.max((wo - 1) * l.stride + l.kernel - x.w, 0) / 2);
  const depthwise = l.role === 'depthwise';
  const out = new Float64Array(x.n * ho * wo * l.cout);
  for (let b = 0; b < x.n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let co = 0; co < l.cout; co++) {
          let s = 0;
          for (let dy = 0; dy < l.kernel; dy++)
            for (let dx = 0; dx < l.kernel; dx++) {
              const y = i * l.stride + dy - top;
              const xx = j * l.stride + dx - left;
              if (y < 0 || y >= x.h || xx < 0 || xx >= x.w) continue;
              const at = ((b * x.h + y) * x.w + xx) * x.c;
              const tap = dy * l.kernel + dx;
              if (depthwise) s += x.data[at + co] * k[tap * l.cin + co];
              else
                for (let ci = 0; ci < l.cin; ci++)
                  s += x.data[at + ci] * k[(tap * l.cin + ci) * l.cout + co];
            }
          out[((b * ho + i) * wo + j) * l.cout + co] = s;
        }
  return { data: out, n: x.n, h: ho, w: wo, c: l.cout };
}

/** Batch norm over the batch's statistics (biased variance), in place. */
function batchNorm(x: Maps, gamma: Float64Array, beta: Float64Array): void {
  const rows = x.n * x.h * x.w;
  for (let c = 0; c < x.c; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += x.data[r * x.c + c];
    mean /= rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (x.data[r * x.c + c] - mean) ** 2;
    variance /= rows;
    const rstd = 1 / Math.sqrt(variance + BN_EPSILON);
    for (let r = 0; r < rows; r++)
      x.data[r * x.c + c] = gamma[c] * (x.data[r * x.c + c] - mean) * rstd + beta[c];
  }
}

/** The subnet's forward pass on `x` (n images at the plan's input size), in float64. */
export function naiveForward(
  plan: SubnetPlan,
  weights: NaiveWeights,
  x: Float64Array,
  n: number,
  opts: NaiveOptions,
): NaiveOutput {
  const [h0, w0] = plan.input;
  let h: Maps = { data: x, n, h: h0, w: w0, c: x.length / (n * h0 * w0) };
  const codes: number[][] = Array.from({ length: n }, () => []);
  const sources = residualSources(plan.layers);
  const kept = new Map<number, Maps>([[-1, h]]);
  for (const [i, l] of plan.layers.entries()) {
    if (l.kind === 'conv') {
      h = conv(h, l, weights.kernels.get(l.name)!);
      if (opts.batchNorm) batchNorm(h, weights.gamma.get(l.name)!, weights.beta.get(l.name)!);
      if (l.relu6) {
        const per = h.h * h.w * h.c;
        for (let b = 0; b < n; b++)
          for (let u = 0; u < per; u++) codes[b].push(h.data[b * per + u] > 0 ? 1 : 0);
        if (opts.activation) h.data = h.data.map((v) => Math.min(6, Math.max(0, v)));
      }
    } else if (l.kind === 'add') {
      const s = kept.get(l.from)!;
      h = { ...h, data: h.data.map((v, k) => v + s.data[k]) };
    } else if (l.kind === 'linear') {
      const logits = new Float64Array(n * l.cout);
      const per = h.h * h.w;
      for (let b = 0; b < n; b++)
        for (let o = 0; o < l.cout; o++) {
          let s = weights.classifierBias[o];
          for (let c = 0; c < l.cin; c++) {
            let pooled = 0;
            for (let p = 0; p < per; p++) pooled += h.data[(b * per + p) * h.c + c];
            s += (pooled / per) * weights.classifierWeight[c * l.cout + o];
          }
          logits[b * l.cout + o] = s;
        }
      return { logits, codes };
    }
    if (sources.has(i)) kept.set(i, h);
  }
  throw new Error('A subnet plan must end with the classifier');
}

/** Mean cross-entropy of logits (n × classes) against integer labels. */
export function naiveCrossEntropy(logits: Float64Array, labels: ArrayLike<number>): number {
  const n = labels.length;
  const classes = logits.length / n;
  let sum = 0;
  for (let b = 0; b < n; b++) {
    const row = logits.subarray(b * classes, (b + 1) * classes);
    const max = Math.max(...row);
    let z = 0;
    for (const v of row) z += Math.exp(v - max);
    sum += max + Math.log(z) - row[labels[b]];
  }
  return sum / n;
}
