import * as tf from '@tensorflow/tfjs-core';

export type TensorMap = Record<string, tf.Tensor>;

/**
 * A kernel written with tf ops instead of backend calls. The engine hands registered kernels
 * the op's own Tensors and accepts a Tensor back as the output (its "Tensor option", kept for
 * tfjs-node), and it turns off gradient recording while a kernel runs, so the ops inside are
 * neither taped nor leaked: `tf.tidy` frees the intermediates and keeps only the result.
 */
export function composedKernel<Attrs>(
  kernelName: string,
  backendName: string,
  compute: (inputs: TensorMap, attrs: Attrs) => tf.Tensor,
): tf.KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, attrs }) =>
      tf.tidy(() => compute(asTensors(kernelName, inputs), attrs as unknown as Attrs)),
  };
}

function asTensors(kernelName: string, inputs: tf.NamedTensorInfoMap): TensorMap {
  const tensors: TensorMap = {};
  for (const [name, info] of Object.entries(inputs)) {
    // A bare TensorInfo would have to be wrapped without owning a reference to its data,
    // which disposing the wrapper would then free; only engine calls reach these kernels.
    if (!(info instanceof tf.Tensor)) {
      throw new Error(`${kernelName}: input '${name}' is not a Tensor; call it through tf ops.`);
    }
    tensors[name] = info;
  }
  return tensors;
}
