import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../config/configSchema';
import { archKey } from '#shared/arch';
import { largestArch } from '../../space/arch';
import type { Supernet } from '../model/supernet';
import type { SampledSubnet } from './samplers/samplerTypes';

/**
 * How many times the L2 decay of each weight counts in one update: one factor for every
 * decayed weight, or a count per element (broadcastable to the weight) by parameter name.
 */
export type DecayScale = number | ReadonlyMap<string, tf.Tensor>;

/** The decay of one update, from the subnets the step trained. */
export type DecayRule = (subnets: readonly SampledSubnet[]) => DecayScale;

/**
 * The rule of `train.weightDecayScope`. Which weights decay at all (convolution kernels and
 * the classifier's weight, never batch norm, biases or kernel transforms) is the
 * optimizer's `NamedVariable.decay`; this says in which updates, and how many times.
 *  - `step`: once per update, on every weight that has a gradient, as an optimizer's weight
 *    decay does (the engine's behaviour before the option existed).
 *  - `largest`: BigNAS (Yu et al. 2020, "Training a high-quality single-stage model",
 *    paragraph on regularization: "regularize only the biggest child model", weight decay
 *    and dropout). The decay term belongs to the largest subnet's loss alone, so it enters
 *    the summed update once, in steps that train the largest subnet (by its arch, whatever its role),
 *    and not at all in steps that do not. The largest subnet reads every element of every
 *    decayed weight, so when it is trained the update is `step`'s. BigNAS's dropout has no
 *    counterpart: the engine has no dropout.
 *  - `each-subnet`: what BigNAS argues against, every child regularised: each trained subnet
 *    adds the decay of the elements it reads (a kernel's centre crop and first channels, see
 *    Supernet.kernelRegion), so an element read by k subnets of the step decays k times and
 *    one read by none does not decay.
 */
export function decayRule(scope: TrainConfig['weightDecayScope'], net: Supernet): DecayRule {
  switch (scope) {
    case 'step':
      return () => 1;
    case 'largest': {
      const largest = archKey(largestArch(net.space, net.task));
      return (subnets) => (subnets.some((s) => archKey(s.arch) === largest) ? 1 : 0);
    }
    case 'each-subnet':
      return (subnets) => subnetDecayCounts(net, subnets);
    default:
      throw new Error(`Unknown weight decay scope '${scope as string}'`);
  }
}

/**
 * Per decayed weight, how many of `subnets` read each element. The tensors are new: the
 * caller disposes them (the optimizer calls this inside its tidy).
 */
export function subnetDecayCounts(
  net: Supernet,
  subnets: readonly SampledSubnet[],
): Map<string, tf.Tensor> {
  const counts = new Map<string, tf.Tensor>();
  const add = (name: string, t: tf.Tensor) => {
    const before = counts.get(name);
    counts.set(name, before ? tf.add(before, t) : t);
    if (before) tf.dispose([before, t]);
  };
  for (const sub of subnets) {
    for (const l of net.plan(sub.arch).layers) {
      if (l.kind !== 'conv') continue;
      const full = net.convs.get(l.name)!.kernel.shape;
      add(`${l.name}.kernel`, regionMask(full, net.kernelRegion(l)));
    }
    // The head is not elastic: every subnet reads all of the classifier.
    add('classifier.weight', tf.scalar(1));
  }
  return counts;
}

/** 1 over the centre (axes 0, 1) and the first entries (axes 2, 3) of `full`; 0 elsewhere. */
function regionMask(full: readonly number[], region: number[]): tf.Tensor {
  if (region.every((r, i) => r === full[i])) return tf.scalar(1);
  const off = (full[0] - region[0]) / 2;
  return tf.pad(tf.ones(region), [
    [off, off],
    [off, off],
    [0, full[2] - region[2]],
    [0, full[3] - region[3]],
  ]);
}
