import * as tf from '@tensorflow/tfjs-core';
// Imported for its side effect: the package registers its own kernels on load, and they must
// be in place before ours so that they never overwrite the ones replaced below.
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel } from './conv2dGradKernels';
import {
  depthwiseBackpropFilterKernel,
  depthwiseBackpropInputKernel,
} from './depthwiseGradKernels';
import {
  COLUMN_DOT,
  COLUMN_SUM,
  columnKernel,
  relu6GradKernel,
  bnBackwardKernel,
  bnForwardKernel,
  centredSquaresKernel,
  depthwiseFilterGradKernel,
  depthwiseForwardKernel,
  depthwiseInputGradKernel,
} from './simdKernels';
import { unsortedSegmentSumKernel } from './segmentSumKernel';
import { sharedIdentityKernel } from './identityKernel';

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

/**
 * Kernels replaced by the engine's SIMD depthwise module (see simdModule.ts); the
 * kernels they replace stay as their fallback for the cases the module does not cover.
 */
export const WASM_SIMD_DEPTHWISE_KERNELS: readonly string[] = [
  tf.DepthwiseConv2dNative,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropInput,
];

let registered = false;

/** Registers the composed gradient kernels for the 'wasm' backend; later calls do nothing. */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  const xnnpackDepthwise = tf.getKernel(tf.DepthwiseConv2dNative, WASM);
  if (!xnnpackDepthwise) throw new Error('tfjs-backend-wasm registered no DepthwiseConv2dNative');
  const identity = tf.getKernel(tf.Identity, WASM);
  if (!identity) throw new Error('tfjs-backend-wasm registered no Identity');
  const configs = [
    sharedIdentityKernel(identity),
    conv2dBackpropFilterKernel(WASM),
    conv2dBackpropInputKernel(WASM),
    depthwiseFilterGradKernel(depthwiseBackpropFilterKernel(WASM)),
    depthwiseInputGradKernel(depthwiseBackpropInputKernel(WASM)),
    depthwiseForwardKernel(xnnpackDepthwise),
    columnKernel(COLUMN_SUM, WASM),
    columnKernel(COLUMN_DOT, WASM),
    relu6GradKernel(WASM),
    bnForwardKernel(WASM),
    bnBackwardKernel(WASM),
    centredSquaresKernel(WASM),
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
