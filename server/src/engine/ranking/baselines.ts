import type * as tf from '@tensorflow/tfjs-core';
import type { Arch } from '#shared/arch';
import { subnetCost } from '../../space/facts';
import { extract } from '../model/extract';
import type { Supernet } from '../model/supernet';
import { gradNormScore } from './gradNorm';
import { naswotScore } from './naswot';
import { synflowScore } from './synflow';

/**
 * The cheap predictors of a subnet's stand-alone accuracy that a supernet's ranking must
 * beat: its multiply-accumulates ('flops', the name the rest of the product uses), its
 * parameter count, and three zero-cost proxies (naswot.ts, synflow.ts, gradNorm.ts).
 */
export type BaselineName = 'flops' | 'params' | 'naswot' | 'synflow' | 'gradNorm';

export const BASELINE_NAMES: readonly BaselineName[] = [
  'flops',
  'params',
  'naswot',
  'synflow',
  'gradNorm',
];

/** One baseline's value of each subnet, in the order given; higher predicts better. */
export interface Baseline {
  name: BaselineName;
  values: number[];
}

/**
 * One minibatch of training images (NHWC at the task's input size, normalised as training
 * sees them) and their labels: NASWOT reads the images, grad_norm both; the reference
 * code of both takes one batch of the training set.
 */
export interface ProxyBatch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

/**
 * The weights the proxies score a subnet at. The papers score networks at initialisation:
 * 'init' is the supernet a run starts from (`initialSupernet(config)`, the run's seed);
 * 'trained' is the run's checkpoint (`loadRun`), where the proxies measure the shared
 * weights a subnet inherits. The ranking check uses 'init' unless told otherwise.
 */
export type ProxyWeights = 'init' | 'trained';

export const DEFAULT_PROXY_WEIGHTS: ProxyWeights = 'init';

/**
 * The baselines `names` of each subnet of `archs`, at the weights `net` holds (build it
 * for the `ProxyWeights` wanted: the caller chooses, this function does not). FLOPs and
 * parameters come from the analytic cost model; each proxy scores the subnet extracted from
 * `net` (its own copy of the weights it uses) and leaves `net` as it was. Deterministic:
 * the same weights and batch give the same values. FLOPs and parameters are returned as
 * they are: more predicts better.
 */
export function baselines(
  net: Supernet,
  archs: readonly Arch[],
  batch: ProxyBatch,
  names: readonly BaselineName[] = BASELINE_NAMES,
): Baseline[] {
  const out = names.map((name) => ({ name, values: [] as number[] }));
  for (const arch of archs) {
    const cost = subnetCost(net.space, net.task, arch);
    const proxies = names.some((n) => n !== 'flops' && n !== 'params');
    const subnet = proxies ? extract(net, arch) : undefined;
    try {
      for (const b of out) {
        switch (b.name) {
          case 'flops':
            b.values.push(cost.flops);
            break;
          case 'params':
            b.values.push(cost.params);
            break;
          case 'naswot':
            b.values.push(naswotScore(subnet!, batch.x));
            break;
          case 'synflow':
            b.values.push(synflowScore(subnet!));
            break;
          case 'gradNorm':
            b.values.push(gradNormScore(subnet!, batch.x, batch.y));
            break;
        }
      }
    } finally {
      subnet?.dispose();
    }
  }
  return out;
}
