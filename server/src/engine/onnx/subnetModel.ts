import type { onnx } from 'onnx-proto';
import { archKey, type Arch } from '#shared/arch';
import { extract, type ExtractedSubnet } from '../model/extract';
import type { Supernet } from '../model/supernet';
import { buildOnnxModel, type ConvWeights, type SubnetWeights } from './onnxGraph';

/**
 * A subnet as an ONNX graph: what export writes, what candidate evaluation runs in
 * onnxruntime, and what latency is measured on.
 */

/** A standalone subnet's weights copied out of its tensors. */
export function subnetWeights(sub: ExtractedSubnet): SubnetWeights {
  const convs = new Map<string, ConvWeights>();
  for (const [name, c] of sub.convs) {
    convs.set(name, {
      kernel: c.kernel.dataSync() as Float32Array,
      gamma: c.gamma.dataSync() as Float32Array,
      beta: c.beta.dataSync() as Float32Array,
      mean: c.mean.dataSync() as Float32Array,
      variance: c.variance.dataSync() as Float32Array,
    });
  }
  return {
    layers: sub.plan.layers,
    resolution: sub.plan.input,
    convs,
    classifierWeight: sub.classifierWeight.dataSync() as Float32Array,
    classifierBias: sub.classifierBias.dataSync() as Float32Array,
  };
}

/** The ONNX model of `arch` cut out of `net` (batch norm in eval mode: running statistics). */
export function subnetOnnxModel(net: Supernet, arch: Arch): onnx.ModelProto {
  const sub = extract(net, arch);
  try {
    return buildOnnxModel(subnetWeights(sub), {
      input: net.task.input,
      metadata: { archKey: archKey(arch), resolution: sub.plan.input.join('x') },
    });
  } finally {
    sub.dispose();
  }
}
