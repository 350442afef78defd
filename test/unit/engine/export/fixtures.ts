import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { EXPORT_ELASTIC, EXPORT_WIDE } from '../../../fixtures/configs';
import type { SupernetConfig } from '../../../../server/src/config/configSchema';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import { type Arch } from '#shared/arch';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { Rng } from '#shared/rng';

/** The export tests' spaces (test/fixtures/configs.ts), resolved. */
export const elastic = resolveConfig(EXPORT_ELASTIC).config;
export const wide = resolveConfig(EXPORT_WIDE).config;

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
