import * as tf from '@tensorflow/tfjs-core';
import type { Arch } from '#shared/arch';
import type { SupernetConfig } from '../../config/configSchema';
import { BatchAssembler, type TrainingData } from '../data/batches';
import { initialSupernet } from '../model/supernet';
import { baselines, type Baseline } from './baselines';

/** The zero-cost proxies a ranking is compared with (MACs and params come from the table). */
export const PROXIES = ['naswot', 'synflow', 'gradNorm'] as const;

/**
 * The zero-cost proxies of `archs` as their papers score networks: at initialisation (the
 * supernet the run starts from, its seed) on one minibatch of training images (`indices`,
 * dataset indices, unaugmented). They do not change while the supernet trains, so a run computes them once.
 */
export function initProxies(
  config: SupernetConfig,
  archs: readonly Arch[],
  data: TrainingData,
  indices: ArrayLike<number>,
): Baseline[] {
  const net = initialSupernet(config);
  const { x, y } = new BatchAssembler(data).gather(indices);
  try {
    return baselines(net, archs, { x, y }, PROXIES);
  } finally {
    tf.dispose([x, y]);
    net.dispose();
  }
}
