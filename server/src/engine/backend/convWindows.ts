import * as tf from '@tensorflow/tfjs-core';

/**
 * Geometry shared by the convolution gradient kernels: every gradient here is computed as a
 * stride-1 'valid' correlation on a re-framed tensor, so padding is resolved once, from the
 * forward pass's `padInfo`, instead of being re-derived by each kernel.
 */

export type ConvInfo = tf.backend_util.Conv2DInfo;
export type Padding = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil';
type Span = readonly [before: number, after: number];

/**
 * The forward pass's NHWC geometry, checked against the output gradient it must match.
 * The gradient kernels do not support dilations or NCHW.
 */
export function gradientConvInfo(
  kernelName: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  dyShape: readonly number[],
  attrs: {
    strides: number | [number, number];
    pad: Padding;
    dimRoundingMode?: RoundingMode;
    dilations?: number | [number, number];
    dataFormat?: 'NHWC' | 'NCHW';
  },
  depthwise: boolean,
): ConvInfo {
  if (attrs.dataFormat === 'NCHW') {
    throw new Error(`${kernelName}: only NHWC data is supported.`);
  }
  const dilations = attrs.dilations ?? 1;
  if (!tf.backend_util.tupleValuesAreOne(dilations)) {
    throw new Error(`${kernelName}: only dilation 1 is supported, got ${String(dilations)}.`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
  );
  const expected = info.outShape;
  if (dyShape.length !== 4 || dyShape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `${kernelName}: dy has shape [${dyShape.join(', ')}] but the forward pass gives ` +
        `[${expected.join(', ')}].`,
    );
  }
  return info;
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor.
 * Cropping is needed because 'valid' and explicit paddings can leave input rows that no output
 * reads, and the correlations below must see exactly the rows that contribute.
 */
export function reframe(x: tf.Tensor4D, rows: Span, cols: Span): tf.Tensor4D {
  const grow = (n: number): number => Math.max(0, n);
  const shrink = (n: number): number => Math.max(0, -n);
  let y = x;
  if ([...rows, ...cols].some((n) => n > 0)) {
    y = tf.pad(y, [
      [0, 0],
      [grow(rows[0]), grow(rows[1])],
      [grow(cols[0]), grow(cols[1])],
      [0, 0],
    ]);
  }
  if ([...rows, ...cols].some((n) => n < 0)) {
    const [, h, w] = y.shape;
    y = tf.slice(
      y,
      [0, shrink(rows[0]), shrink(cols[0]), 0],
      [-1, h - shrink(rows[0]) - shrink(rows[1]), w - shrink(cols[0]) - shrink(cols[1]), -1],
    );
  }
  return y;
}

/**
 * The part of the zero-padded input that the forward pass read: exactly
 * `filter + (out - 1) * stride` rows and columns, so that a 'valid' correlation with the
 * stride-dilated output gradient yields one value per filter tap.
 */
export function filterGradWindow(x: tf.Tensor4D, info: ConvInfo): tf.Tensor4D {
  const { padInfo, filterHeight, filterWidth, outHeight, outWidth } = info;
  const rows = filterHeight + (outHeight - 1) * info.strideHeight;
  const cols = filterWidth + (outWidth - 1) * info.strideWidth;
  return reframe(
    x,
    [padInfo.top, rows - info.inHeight - padInfo.top],
    [padInfo.left, cols - info.inWidth - padInfo.left],
  );
}

/**
 * The output gradient spread back onto the input grid (zeros between strided samples) and
 * framed so that a stride-1 'valid' correlation with the spatially flipped filter gives an
 * input-sized result: `filter - 1 - padBefore` leading zeros, and trailing ones up to
 * `in + filter - 1` in total.
 */
export function inputGradFrame(dy: tf.Tensor4D, info: ConvInfo): tf.Tensor4D {
  const { padInfo, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const spread = interleaveZeros(dy, strideHeight, strideWidth);
  // `spread` already ends with (stride - 1) zeros, hence `out * stride` rather than the
  // (out - 1) * stride + 1 samples that matter.
  return reframe(
    spread,
    [filterHeight - 1 - padInfo.top, info.inHeight + padInfo.top - info.outHeight * strideHeight],
    [filterWidth - 1 - padInfo.left, info.inWidth + padInfo.left - info.outWidth * strideWidth],
  );
}

/** [n, h, w, c] -> [n, h*sh, w*sw, c] with each sample followed by sh-1 / sw-1 zeros. */
function interleaveZeros(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const spaced = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return tf.reshape(spaced, [n, h * sh, w * sw, c]);
}

/** Every `stride`-th row and column, starting at the first: the 1x1 convolution's samples. */
export function strideSamples(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  return tf.stridedSlice(x, [0, 0, 0, 0], [n, h, w, c], [1, sh, sw, 1]) as tf.Tensor4D;
}
