import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resolveConfig } from '../../../../server/src/config/resolve';
import type { SupernetConfig } from '../../../../server/src/config/configSchema';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import { type Arch } from '#shared/arch';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { Rng } from '#shared/rng';

/**
 * Elastic resolution 20/24/28 on a 28×28 input, a stride-2 stem, stride-2 stages on
 * even (14, 12, 10) and odd (7, 5) sizes, residual blocks (stage 1's first block keeps
 * the stem's width), depthwise kernels 3, 5 and 7.
 */
export const elastic = resolveConfig(`
task: { input: [28, 28, 1], classes: 10 }
space:
  resolution: [20, 24, 28]
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8], kernel: [3, 5, 7], expand: [1, 2], stride: 1 }
    - { depth: [1, 2], width: [12, 16], kernel: [3, 5, 7], expand: [2, 3], stride: 2 }
    - { depth: [1, 2], width: [16, 24], kernel: [3, 5], expand: [2], stride: 2 }
  head: { width: 32 }
`).config;

/** A non-square, 3-channel input (12×16 → 9×12 at the small resolution), a 5×5 stride-1 stem. */
export const wide = resolveConfig(`
task: { input: [12, 16, 3], classes: 5 }
space:
  resolution: [9, 12]
  stem: { width: 8, kernel: 5, stride: 1 }
  stages:
    - { depth: [1, 3], width: [8, 16], kernel: [3, 7], expand: [1, 3], stride: 2 }
  head: { width: 16 }
`).config;

export function randomArch(config: SupernetConfig, rng: Rng): Arch {
  const pick = <T>(xs: T[]) => xs[rng.int(xs.length)];
  return {
    resolution: pick(config.space.resolution!),
    stages: config.space.stages.map((s) => {
      const depth = pick(s.depth);
      return {
        depth,
        width: pick(s.width),
        blocks: Array.from({ length: depth }, () => ({
          kernel: pick(s.kernel),
          expand: pick(s.expand),
        })),
      };
    }),
  };
}

export function archsOf(config: SupernetConfig, random: number, seed = 3): Arch[] {
  const rng = new Rng(seed);
  return [
    largestArch(config.space, config.task),
    smallestArch(config.space, config.task),
    ...Array.from({ length: random }, () => randomArch(config, rng)),
  ];
}

export function randomImages(config: SupernetConfig, n: number, rng: Rng): Float32Array {
  const [h, w, c] = config.task.input;
  return new Float32Array(n * h * w * c).map(() => rng.next());
}

/**
 * A supernet whose batch-norm scales and shifts and classifier bias are random (so the
 * fold is not the identity); running statistics come from `calibrate` per arch.
 */
export function makeNet(config: SupernetConfig, seed: number): Supernet {
  const rng = new Rng(seed);
  const net = new Supernet(config.space, config.task, rng);
  const uniform = (n: number, lo: number, hi: number) =>
    new Float32Array(n).map(() => lo + (hi - lo) * rng.next());
  for (const c of net.convs.values()) {
    const n = c.gamma.shape[0];
    c.gamma.assign(tf.tensor1d(uniform(n, 0.5, 1.5)));
    c.beta.assign(tf.tensor1d(uniform(n, -0.3, 0.3)));
  }
  net.classifierBias.assign(tf.tensor1d(uniform(config.task.classes, -0.5, 0.5)));
  return net;
}
