import * as tf from '@tensorflow/tfjs-core';

/** What the kernel needs of tfjs-backend-wasm's BackendWasm. */
interface RefCounted {
  incRef(dataId: tf.DataId): void;
}

/**
 * Identity (what tf.clone and the engine's saving of tensors for the backward pass run) as
 * the cpu backend has it: the output shares the input's data, counted by reference. The
 * wasm backend's own Identity copies the data, and the engine clones every input and output
 * a taped kernel saves for its gradient: about 400 copies, 4% of a sandwich step on the
 * bench net. Tensors are immutable (Variable.assign swaps the data), so sharing is safe.
 */
export function sharedIdentityKernel(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: fallback.backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string') return fallback.kernelFunc(args);
      (args.backend as unknown as RefCounted).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  };
}
