import * as tf from '@tensorflow/tfjs-core';
import { composedKernel } from './composedKernel';
import { filterGradWindow, gradientConvInfo, inputGradFrame } from './convWindows';

/**
 * DepthwiseConv2dNative gradients built on the backend's forward depthwise convolution
 * (XNNPACK on wasm), which has neither gradient kernel.
 * Filters are [kh, kw, c, m]; output channel c*m + k comes from input channel c.
 */

export function depthwiseBackpropFilterKernel(backendName: string): tf.KernelConfig {
  return composedKernel<tf.DepthwiseConv2dNativeBackpropFilterAttrs>(
    tf.DepthwiseConv2dNativeBackpropFilter,
    backendName,
    ({ x, dy }, attrs) => {
      const info = gradientConvInfo(
        tf.DepthwiseConv2dNativeBackpropFilter,
        x.shape,
        attrs.filterShape,
        dy.shape,
        attrs,
        true,
      );
      const [kh, kw, channels, multiplier] = attrs.filterShape;
      const [batch] = x.shape;
      const window = filterGradWindow(x as tf.Tensor4D, info);
      const [, rows, cols] = window.shape;
      // dW[i, j, c, k] = sum over n, oh, ow of x[n, oh*s + i, ow*s + j, c] * dy[n, oh, ow, c*m + k]
      // is a depthwise correlation of each (sample, channel) image with its own output
      // gradient as the (stride-dilated) filter, summed over samples afterwards.
      const images = tf.reshape<tf.Rank.R4>(tf.transpose(window, [1, 2, 0, 3]), [
        1,
        rows,
        cols,
        batch * channels,
      ]);
      const filters = tf.reshape<tf.Rank.R4>(tf.transpose(dy, [1, 2, 0, 3]), [
        info.outHeight,
        info.outWidth,
        batch * channels,
        multiplier,
      ]);
      const dilations: [number, number] = [info.strideHeight, info.strideWidth];
      const perSample = tf.depthwiseConv2d(images, filters, 1, 'valid', 'NHWC', dilations);
      return tf.sum(tf.reshape(perSample, [kh, kw, batch, channels, multiplier]), 2);
    },
  );
}

export function depthwiseBackpropInputKernel(backendName: string): tf.KernelConfig {
  return composedKernel<tf.DepthwiseConv2dNativeBackpropInputAttrs>(
    tf.DepthwiseConv2dNativeBackpropInput,
    backendName,
    ({ dy, filter }, attrs) => {
      const info = gradientConvInfo(
        tf.DepthwiseConv2dNativeBackpropInput,
        attrs.inputShape,
        filter.shape,
        dy.shape,
        attrs,
        true,
      );
      const [kh, kw, channels, multiplier] = filter.shape;
      // Every output channel c*m + k flows back through its own flipped filter tap; the m
      // multiplier channels of one input channel are then summed.
      const flipped = tf.reshape<tf.Rank.R4>(tf.reverse(filter, [0, 1]), [
        kh,
        kw,
        channels * multiplier,
        1,
      ]);
      const grad = tf.depthwiseConv2d(inputGradFrame(dy as tf.Tensor4D, info), flipped, 1, 'valid');
      if (multiplier === 1) return grad;
      const [batch, height, width] = attrs.inputShape;
      return tf.sum(tf.reshape(grad, [batch, height, width, channels, multiplier]), 4);
    },
  );
}
