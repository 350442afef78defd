import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './selectBackend';

/**
 * Times the composed wasm gradient kernels at MobileNet-like sizes, next to the forward
 * kernel of the same layer for scale. Not part of the tests; after `tsc -b`:
 *   node -e "require('./out/server/src/engine/backend/gradKernelBench').benchGradKernels()"
 */

export interface BenchFigure {
  kernel: string;
  layer: string;
  medianMs: number;
}

type Shape4D = [number, number, number, number];

interface BenchLayer {
  name: string;
  depthwise: boolean;
  xShape: Shape4D;
  filterShape: Shape4D;
  stride: number;
}

const LAYERS: readonly BenchLayer[] = [
  {
    name: '64x14x14x96, 7x7 depthwise, s1',
    depthwise: true,
    xShape: [64, 14, 14, 96],
    filterShape: [7, 7, 96, 1],
    stride: 1,
  },
  {
    name: '64x28x28x24 -> 24, 3x3 conv, s1',
    depthwise: false,
    xShape: [64, 28, 28, 24],
    filterShape: [3, 3, 24, 24],
    stride: 1,
  },
  {
    name: '64x14x14x96 -> 576, 1x1 conv, s1',
    depthwise: false,
    xShape: [64, 14, 14, 96],
    filterShape: [1, 1, 96, 576],
    stride: 1,
  },
];

export async function benchGradKernels(
  log: (line: string) => void = console.log,
  repeats = 5,
): Promise<BenchFigure[]> {
  await selectBackend('wasm');
  const figures: BenchFigure[] = [];
  for (const layer of LAYERS) {
    const info = tf.backend_util.computeConv2DInfo(
      layer.xShape,
      layer.filterShape,
      layer.stride,
      1,
      'same',
      undefined,
      layer.depthwise,
    );
    const x = tf.randomNormal(layer.xShape);
    const filter = tf.randomNormal(layer.filterShape);
    const dy = tf.randomNormal(info.outShape);
    const attrs = { strides: layer.stride, pad: 'same', dilations: 1, dataFormat: 'NHWC' };
    const runs: Array<[string, tf.NamedTensorMap, tf.NamedAttrMap]> = layer.depthwise
      ? [
          [tf.DepthwiseConv2dNative, { x, filter }, attrs],
          [
            tf.DepthwiseConv2dNativeBackpropFilter,
            { x, dy },
            { ...attrs, filterShape: layer.filterShape },
          ],
          [
            tf.DepthwiseConv2dNativeBackpropInput,
            { dy, filter },
            { ...attrs, inputShape: layer.xShape },
          ],
        ]
      : [
          [tf.Conv2D, { x, filter }, attrs],
          [tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: layer.filterShape }],
          [tf.Conv2DBackpropInput, { dy, filter }, { ...attrs, inputShape: layer.xShape }],
        ];
    for (const [kernel, inputs, kernelAttrs] of runs) {
      const medianMs = await medianTime(
        () => tf.engine().runKernel(kernel, inputs, kernelAttrs) as tf.Tensor,
        repeats,
      );
      figures.push({ kernel, layer: layer.name, medianMs });
      log(`${layer.name.padEnd(34)} ${kernel.padEnd(36)} ${medianMs.toFixed(1).padStart(7)} ms`);
    }
    tf.dispose([x, filter, dy]);
  }
  return figures;
}

/** Median wall time including the read-back, after one untimed warm-up run. */
async function medianTime(run: () => tf.Tensor, repeats: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const start = performance.now();
    const result = run();
    await result.data();
    const elapsed = performance.now() - start;
    result.dispose();
    if (i > 0) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
