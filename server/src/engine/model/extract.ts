import * as tf from '@tensorflow/tfjs-core';
import type { Arch } from '#shared/arch';
import type { ConvLayer } from '../../space/layers';
import type { BnMode, ConvBnWeights } from './ops';
import { resizeInput } from './ops';
import { runLayers, type Supernet, type SubnetPlan } from './supernet';

/**
 * A subnet cut out of the supernet: its own copies of exactly the weights it uses,
 * no elastic machinery. What export writes to ONNX.
 */
export class ExtractedSubnet {
  constructor(
    readonly plan: SubnetPlan,
    readonly convs: ReadonlyMap<string, ConvBnWeights>,
    readonly classifierWeight: tf.Tensor2D,
    readonly classifierBias: tf.Tensor1D,
  ) {}

  get arch(): Arch {
    return this.plan.arch;
  }

  forward(
    x: tf.Tensor4D,
    mode: BnMode = 'eval',
    onConv?: (kernel: tf.Tensor4D, output: tf.Tensor4D) => void,
  ): tf.Tensor2D {
    const [h, w] = this.plan.input;
    return runLayers(
      this.plan,
      resizeInput(x, h, w),
      (l: ConvLayer) => {
        const c = this.convs.get(l.name);
        if (!c) throw new Error(`The extracted subnet has no layer ${l.name}`);
        return c;
      },
      mode,
      undefined,
      () => [this.classifierWeight, this.classifierBias] as const,
      onConv,
    );
  }

  /**
   * Multiply-accumulates of one image, measured from the tensors a forward pass really
   * produces (kernel shapes × output sizes) plus the classifier — an independent check
   * of the analytic count.
   */
  measureFlops(): number {
    let macs = this.classifierWeight.shape[0] * this.classifierWeight.shape[1];
    const [h, w] = this.plan.input;
    const first = this.plan.layers[0];
    const channels = first?.kind === 'conv' ? first.cin : 1;
    tf.tidy(() => {
      this.forward(tf.zeros([1, h, w, channels]) as tf.Tensor4D, 'eval', (k, out) => {
        const [kh, kw, cin, cout] = k.shape;
        // A full kernel's last axis is the output channels; a depthwise one's is a multiplier.
        const full = out.shape[3] === cout;
        macs += out.shape[1] * out.shape[2] * out.shape[3] * kh * kw * (full ? cin : 1);
      });
    });
    return macs;
  }

  /** Trainable parameters: convolution kernels, batch-norm scale and shift, classifier. */
  paramCount(): number {
    let n = this.classifierWeight.size + this.classifierBias.size;
    for (const c of this.convs.values()) n += c.kernel.size + c.gamma.size + c.beta.size;
    return n;
  }

  dispose(): void {
    for (const c of this.convs.values())
      tf.dispose([c.kernel, c.gamma, c.beta, c.mean, c.variance]);
    tf.dispose([this.classifierWeight, this.classifierBias]);
  }
}

/** Copies a subnet's weights out of the supernet. */
export function extract(net: Supernet, arch: Arch): ExtractedSubnet {
  const plan = net.plan(arch);
  const convs = new Map<string, ConvBnWeights>();
  for (const l of plan.layers) {
    if (l.kind !== 'conv') continue;
    const c = net.convs.get(l.name)!;
    const depthwise = l.role === 'depthwise';
    convs.set(
      l.name,
      tf.tidy(() => ({
        kernel: tf
          .slice(net.kernelAt(l), [0, 0, 0, 0], [l.kernel, l.kernel, l.cin, depthwise ? 1 : l.cout])
          .clone() as tf.Tensor4D,
        gamma: tf.slice(c.gamma, [0], [l.cout]).clone(),
        beta: tf.slice(c.beta, [0], [l.cout]).clone(),
        mean: tf.slice(c.mean, [0], [l.cout]).clone(),
        variance: tf.slice(c.variance, [0], [l.cout]).clone(),
      })),
    );
  }
  return new ExtractedSubnet(
    { ...plan, layers: [...plan.layers] },
    convs,
    net.classifierWeight.clone() as tf.Tensor2D,
    net.classifierBias.clone() as tf.Tensor1D,
  );
}
