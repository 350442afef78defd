import * as tf from '@tensorflow/tfjs-core';
// Imported for its side effect: the package registers its own kernels on load, and they must
// be in place before ours so that they never overwrite the ones replaced below.
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel } from './conv2dGradKernels';
import {
  depthwiseBackpropFilterKernel,
  depthwiseBackpropInputKernel,
} from './depthwiseGradKernels';
import { unsortedSegmentSumKernel } from './segmentSumKernel';

const WASM = 'wasm';

/**
 * Kernels the wasm backend lacks but training needs (found by running tf.grads on wasm:
 * the Conv2D / DepthwiseConv2dNative filter gradients, the depthwise input gradient, and
 * UnsortedSegmentSum for the gradient of Gather), plus Conv2DBackpropInput, which wasm has
 * but as a plain loop about 5-15x slower than the XNNPACK convolution it is rebuilt on here.
 */
export const WASM_GRADIENT_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropInput,
  tf.UnsortedSegmentSum,
];

let registered = false;

/** Registers the composed gradient kernels for the 'wasm' backend; later calls do nothing. */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  const configs = [
    conv2dBackpropFilterKernel(WASM),
    conv2dBackpropInputKernel(WASM),
    depthwiseBackpropFilterKernel(WASM),
    depthwiseBackpropInputKernel(WASM),
    unsortedSegmentSumKernel(WASM),
  ];
  for (const config of configs) {
    // Replacing rather than re-registering keeps tfjs from warning about a duplicate.
    if (tf.getKernel(config.kernelName, WASM) !== undefined) {
      tf.unregisterKernel(config.kernelName, WASM);
    }
    tf.registerKernel(config);
  }
  registered = true;
}
