import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { Arch } from '#shared/arch';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { extract, type ExtractedSubnet } from '../../../../server/src/engine/model/extract';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { Rng } from '#shared/rng';

/**
 * A space small enough to check the proxies by hand (not a test file itself): 6×6 grey
 * images, a 3-channel stem, one stage of stride 2.
 */
const tiny = resolveConfig(`
task: { input: [6, 6, 1], classes: 3 }
space:
  resolution: [6]
  stem: { width: 3, kernel: 3, stride: 1 }
  stages:
    - { depth: [1, 2], width: [3, 4], kernel: [3], expand: [1, 2], stride: 2 }
  head: { width: 4 }
`);
assert.deepEqual(
  tiny.problems.filter((p) => p.severity === 'error'),
  [],
);
export const tinyConfig = tiny.config;

/** No residual: stem, expand, depthwise, project, head, classifier — a chain of 6 weights. */
export const chainArch: Arch = {
  resolution: 6,
  stages: [{ depth: 1, width: 4, blocks: [{ kernel: 3, expand: 2 }] }],
};

/** Two blocks, the second with a residual (the first has stride 2). */
export const residualArch: Arch = {
  resolution: 6,
  stages: [
    {
      depth: 2,
      width: 3,
      blocks: [
        { kernel: 3, expand: 2 },
        { kernel: 3, expand: 1 },
      ],
    },
  ],
};

/**
 * `arch` cut from a tiny supernet (the caller disposes it): initialised from `seed`, then its
 * batch-norm scales and shifts and the classifier's bias moved off their initial 1s and 0s,
 * as training leaves them, so that the tests see every one of them used.
 */
export function tinySubnet(arch: Arch, seed = 1): ExtractedSubnet {
  const net = new Supernet(tinyConfig.space, tinyConfig.task, new Rng(seed));
  const rng = new Rng(seed + 100);
  const moved = (v: tf.Variable, from: number) =>
    tf.tidy(() =>
      v.assign(
        tf.tensor(
          Float32Array.from({ length: v.size }, () => from + 0.3 * rng.normal()),
          v.shape,
        ),
      ),
    );
  try {
    for (const c of net.convs.values()) {
      moved(c.gamma, 1);
      moved(c.beta, 0);
    }
    moved(net.classifierBias, 0);
    return extract(net, arch);
  } finally {
    net.dispose();
  }
}

/** `n` images of uniform noise and their labels, as float64 arrays and as tensors. */
export function tinyBatch(
  n: number,
  seed = 2,
): { pixels: Float64Array; labels: Int32Array; x: tf.Tensor4D; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const pixels = Float64Array.from({ length: n * 36 }, () => Math.fround(rng.next()));
  const labels = Int32Array.from({ length: n }, () => rng.int(3));
  return {
    pixels,
    labels,
    x: tf.tensor4d(Float32Array.from(pixels), [n, 6, 6, 1]),
    y: tf.tensor1d(labels, 'int32'),
  };
}
