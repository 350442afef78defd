import * as tf from '@tensorflow/tfjs-core';
import { composedKernel } from './composedKernel';
import {
  filterGradWindow,
  gradientConvInfo,
  inputGradFrame,
  strideSamples,
  type ConvInfo,
} from './convWindows';

/**
 * Conv2D gradients built on the backend's forward Conv2D and MatMul, which on wasm are
 * XNNPACK kernels. wasm has no Conv2DBackpropFilter, and its Conv2DBackpropInput is a plain
 * loop several times slower than the equivalent forward convolution.
 */

export function conv2dBackpropFilterKernel(backendName: string): tf.KernelConfig {
  return composedKernel<tf.Conv2DBackpropFilterAttrs>(
    tf.Conv2DBackpropFilter,
    backendName,
    ({ x, dy }, attrs) => {
      const info = gradientConvInfo(
        tf.Conv2DBackpropFilter,
        x.shape,
        attrs.filterShape,
        dy.shape,
        attrs,
        false,
      );
      const window = filterGradWindow(x as tf.Tensor4D, info);
      return info.filterHeight === 1 && info.filterWidth === 1
        ? pointwiseFilterGrad(window, dy as tf.Tensor4D, info)
        : spatialFilterGrad(window, dy as tf.Tensor4D, info);
    },
  );
}

export function conv2dBackpropInputKernel(backendName: string): tf.KernelConfig {
  return composedKernel<tf.Conv2DBackpropInputAttrs>(
    tf.Conv2DBackpropInput,
    backendName,
    ({ dy, filter }, attrs) => {
      const info = gradientConvInfo(
        tf.Conv2DBackpropInput,
        attrs.inputShape,
        filter.shape,
        dy.shape,
        attrs,
        false,
      );
      // Correlating with the filter flipped in space and with in/out channels swapped
      // sends each output gradient back to every input position it was computed from.
      const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      return tf.conv2d(inputGradFrame(dy as tf.Tensor4D, info), flipped, 1, 'valid');
    },
  );
}

/**
 * dW[i, j, ci, co] = sum over n, oh, ow of x[n, oh*s + i, ow*s + j, ci] * dy[n, oh, ow, co],
 * which is itself a convolution once the roles are swapped: input channels become the batch,
 * the batch becomes the contracted channel axis, and dy (dilated by the stride) is the filter.
 * One XNNPACK convolution then does what would otherwise be an im2col copy per filter tap.
 */
function spatialFilterGrad(window: tf.Tensor4D, dy: tf.Tensor4D, info: ConvInfo): tf.Tensor4D {
  const input = tf.transpose(window, [3, 1, 2, 0]); // [ci, rows, cols, n]
  const filter = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, n, co]
  const dilations: [number, number] = [info.strideHeight, info.strideWidth];
  const grad = tf.conv2d(input, filter, 1, 'valid', 'NHWC', dilations); // [ci, kh, kw, co]
  return tf.transpose(grad, [1, 2, 0, 3]);
}

/** A 1x1 filter sees one input pixel per output pixel: the gradient is a single x^T dy. */
function pointwiseFilterGrad(window: tf.Tensor4D, dy: tf.Tensor4D, info: ConvInfo): tf.Tensor4D {
  const { inChannels, outChannels } = info;
  const samples = strideSamples(window, info.strideHeight, info.strideWidth);
  // wasm's MatMul leaves XNNPACK for a slow loop when transposeA is set, so one operand is
  // transposed explicitly. XNNPACK packs the RIGHT operand (its fully-connected "weights")
  // anew for every call, and packing the rows x channels matrix costs several times the
  // transpose: the narrower of x and dy must be the right operand (measured on the bench
  // net: 2.3-3.6x faster per call, e.g. 276 -> 79 ms for 50176 rows, 24 -> 144 channels).
  const x2 = tf.reshape(samples, [-1, inChannels]);
  const dy2 = tf.reshape(dy, [-1, outChannels]);
  const grad =
    inChannels <= outChannels
      ? tf.transpose(tf.matMul(tf.transpose(dy2), x2))
      : tf.matMul(tf.transpose(x2), dy2);
  return tf.reshape(grad, [1, 1, inChannels, outChannels]);
}
