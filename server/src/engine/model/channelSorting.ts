import * as tf from '@tensorflow/tfjs-core';
import type { ConvLayer } from '../../space/layers';
import type { Supernet } from './supernet';

/** A reordering of one named tensor along `axis`: entry i becomes entry `order[i]` of before. */
export interface ChannelOrder {
  /** The parameter's stable (checkpoint) name. */
  name: string;
  axis: number;
  order: Int32Array;
}

/** The three convolutions of one MBConv block, at the supernet's largest size. */
interface BlockConvs {
  expand: ConvLayer;
  depthwise: ConvLayer;
  project: ConvLayer;
}

/**
 * Once-for-All's channel sorting (Cai et al. 2020, elastic width in progressive shrinking;
 * `re_organize_middle_weights` of the reference implementation, dynamic_layers.py), for this
 * engine's MBConv blocks. A narrower expand ratio, or a narrower input width, uses the first
 * expanded channels of a block; sorting puts the most important first. The importance of an
 * expanded channel is the L1 norm of its outgoing weights: the projection kernel's entries
 * that read it. Every block's expanded channels are reordered by decreasing importance, and
 * with them the expand kernel's output channels, its batch norm (scale, shift and running
 * statistics), the depthwise kernel's channels and its batch norm, and the projection
 * kernel's input channels: the largest subnet computes the same function (up to the order
 * of the projection's sums), every other subnet gets other channels.
 *
 * Returns what it reordered, for the state kept beside the weights (the optimizer's slots).
 *
 * Deviations from the reference:
 *  - ties keep their order (a stable sort), so a sort is deterministic; the reference's
 *    torch.sort leaves ties' order unspecified;
 *  - every block is sorted; the reference skips the network's first block, whose expand
 *    ratio is fixed in its MobileNetV3 space (here every block's is elastic);
 *  - no band protection: the reference, sorting a second time once some expand ratios are
 *    already trained (its `expand_ratio_stage` > 0), keeps each channel within the band of
 *    the widths it was trained in. The engine has one expand-and-width phase and sorts
 *    before it, when every subnet still used all channels, which is the reference's first
 *    sort (stage 0, no bands). A periodic re-sort is a full sort: with every width's band
 *    protected it would change nothing any subnet computes.
 *  - the blocks' output channels (elastic stage width) are not sorted: they are tied across
 *    the blocks of a stage by the residual additions, and the reference does not sort them
 *    either (its `re_organize_outer_weights` is called but defined by no network).
 *  - the depthwise kernel transforms (kernelTransform) act on each channel's taps alike and
 *    need no reordering; the reference's squeeze-and-excitation has no counterpart here.
 */
export function sortExpandedChannels(net: Supernet): ChannelOrder[] {
  const orders: ChannelOrder[] = [];
  for (const b of mbconvBlocks(net)) {
    const order = importanceOrder(expandedImportance(net, b));
    if (order.every((o, i) => o === i)) continue;
    const reorder = (name: string, axis: number, tensors: tf.Variable[]) => {
      orders.push({ name, axis, order });
      tf.tidy(() => {
        const index = tf.tensor1d(order, 'int32');
        for (const v of tensors) v.assign(tf.gather(v, index, axis));
      });
    };
    for (const l of [b.expand, b.depthwise]) {
      const c = net.convs.get(l.name)!;
      reorder(`${l.name}.kernel`, l.role === 'depthwise' ? 2 : 3, [c.kernel]);
      reorder(`${l.name}.gamma`, 0, [c.gamma]);
      reorder(`${l.name}.beta`, 0, [c.beta]);
      reorder(`${l.name}.mean`, 0, [c.mean]);
      reorder(`${l.name}.variance`, 0, [c.variance]);
    }
    reorder(`${b.project.name}.kernel`, 2, [net.convs.get(b.project.name)!.kernel]);
  }
  return orders;
}

/** Importance of each expanded channel of a block: Σ |projection kernel| over what it feeds. */
export function expandedImportance(net: Supernet, b: BlockConvs): Float32Array {
  const k = net.convs.get(b.project.name)!.kernel;
  return tf.tidy(() => tf.sum(tf.abs(k), [0, 1, 3]).dataSync() as Float32Array);
}

/** Indices by decreasing importance; ties keep their order. */
export function importanceOrder(importance: Float32Array): Int32Array {
  const idx = Array.from(importance, (_, i) => i);
  idx.sort((a, b) => importance[b] - importance[a] || a - b);
  return Int32Array.from(idx);
}

/** Every MBConv block's expand, depthwise and project convolutions, in network order. */
export function mbconvBlocks(net: Supernet): BlockConvs[] {
  const byBlock = new Map<string, Partial<BlockConvs>>();
  for (const { layer: l } of net.convs.values()) {
    if (!l.at || (l.role !== 'expand' && l.role !== 'depthwise' && l.role !== 'project')) continue;
    const key = `${l.at.stage}/${l.at.block}`;
    byBlock.set(key, { ...byBlock.get(key), [l.role]: l });
  }
  return [...byBlock.values()].map((b) => {
    if (!b.expand || !b.depthwise || !b.project) throw new Error('An MBConv block lacks a layer');
    return b as BlockConvs;
  });
}
