import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../config/configSchema';
import type { ChannelOrder } from '../model/channelSorting';
import type { SampledSubnet } from './samplers/samplerTypes';
import type { DecayRule, DecayScale } from './weightDecay';

/** A trainable variable with its stable checkpoint name, and whether weight decay applies to it. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
  decay: boolean;
}

/**
 * SGD with (Nesterov) momentum or Adam, with L2 weight decay added to the gradient
 * (PyTorch's semantics) as `decayRule` scales it for the step's subnets (weightDecay.ts).
 * Its slots are named tensors so a checkpoint restores them exactly.
 */
export class Optimizer {
  private readonly slots = new Map<string, tf.Variable[]>();
  steps = 0;

  constructor(
    private readonly cfg: TrainConfig['optimizer'],
    private readonly weightDecay: number,
    private readonly params: NamedVariable[],
    private readonly decayRule: DecayRule = () => 1,
  ) {
    const n = cfg.type === 'adam' ? 2 : cfg.momentum > 0 ? 1 : 0;
    for (const p of params) {
      this.slots.set(
        p.name,
        Array.from({ length: n }, () => tf.variable(tf.zerosLike(p.variable), false)),
      );
    }
  }

  /**
   * One update with the summed gradients `grads` (by variable name; absent = zero) of the
   * step that trained `subnets`.
   */
  apply(
    grads: ReadonlyMap<string, tf.Tensor>,
    lr: number,
    subnets: readonly SampledSubnet[] = [],
  ): void {
    this.steps++;
    const { cfg } = this;
    tf.tidy(() => {
      const decay = this.weightDecay > 0 ? this.decayRule(subnets) : 0;
      for (const p of this.params) {
        const g0 = grads.get(p.name);
        if (!g0) continue;
        const w = p.variable;
        const g = p.decay ? this.withDecay(g0, w, p.name, decay) : g0;
        const slots = this.slots.get(p.name)!;
        if (cfg.type === 'adam') {
          const [m, v] = slots;
          m.assign(tf.add(tf.mul(m, cfg.beta1), tf.mul(g, 1 - cfg.beta1)));
          v.assign(tf.add(tf.mul(v, cfg.beta2), tf.mul(tf.square(g), 1 - cfg.beta2)));
          const mHat = tf.div(m, 1 - cfg.beta1 ** this.steps);
          const vHat = tf.div(v, 1 - cfg.beta2 ** this.steps);
          w.assign(tf.sub(w, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), 1e-8)), lr)));
        } else if (slots.length) {
          const [buf] = slots;
          buf.assign(tf.add(tf.mul(buf, cfg.momentum), g));
          const step = cfg.nesterov ? tf.add(g, tf.mul(buf, cfg.momentum)) : buf;
          w.assign(tf.sub(w, tf.mul(step, lr)));
        } else {
          w.assign(tf.sub(w, tf.mul(g, lr)));
        }
      }
    });
  }

  /** `g` plus the L2 decay of `w`, counted as `decay` says. */
  private withDecay(g: tf.Tensor, w: tf.Tensor, name: string, decay: DecayScale): tf.Tensor {
    if (typeof decay === 'number')
      return decay === 0 ? g : tf.add(g, tf.mul(w, this.weightDecay * decay));
    const count = decay.get(name);
    return count ? tf.add(g, tf.mul(tf.mul(w, count), this.weightDecay)) : g;
  }

  /**
   * Reorders the slots of the weights `orders` reordered (channel sorting), so that each
   * moment stays with its weight and the next updates are the reordered ones.
   */
  permute(orders: readonly ChannelOrder[]): void {
    for (const { name, axis, order } of orders) {
      const vs = this.slots.get(name);
      if (!vs) continue;
      tf.tidy(() => {
        const index = tf.tensor1d(order, 'int32');
        for (const v of vs) v.assign(tf.gather(v, index, axis));
      });
    }
  }

  /**
   * Takes over another optimizer's state, bit for bit: its slots (by stable name: the other
   * optimizer's weights may be other variables of the same names) and its step count, so a
   * sub-supernet of a few-shot split continues where its parent's updates left off.
   */
  copyStateFrom(other: Optimizer): void {
    this.steps = other.steps;
    tf.tidy(() => {
      for (const [name, vs] of this.slots) {
        const from = other.slots.get(name);
        if (!from || from.length !== vs.length) throw new Error(`No optimizer slots for ${name}`);
        vs.forEach((v, i) => v.assign(tf.clone(from[i])));
      }
    });
  }

  /** Slots by stable names, for checkpoints. */
  namedSlots(): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [name, vs] of this.slots) vs.forEach((v, i) => out.push([`opt.${name}.${i}`, v]));
    return out;
  }

  dispose(): void {
    for (const vs of this.slots.values()) tf.dispose(vs);
  }
}
