import * as tf from '@tensorflow/tfjs-core';
import type { ExtractedSubnet } from '../model/extract';
import { logAbsDet } from './logDet';

/**
 * The NASWOT kernel of a subnet on a batch of N images (Mellor et al., 2021, "Neural
 * Architecture Search without Training", v2): each image's binary code says which of the
 * network's rectified units are active; K[i][j] = N_A − Hamming(c_i, c_j), N_A the number
 * of units. Returned row-major, N×N, in float64; every entry is an integer.
 *
 * The units are those of every ReLU6 of the subnet (after the stem, each block's expansion
 * and depthwise convolutions, and the head; a block's projection has none), one per
 * channel and position. A unit is active when its input is positive, as the reference code
 * binarises the ReLU's input (`inp > 0`); ReLU6 is active exactly where its output is
 * positive, so the code is read from the output, and the cap at 6 plays no part, as it
 * plays none there.
 *
 * Batch norm normalises with the batch's own statistics: the reference code scores
 * networks in training mode; it is also the only choice that does not depend on running
 * statistics, which a shared supernet holds for no particular subnet.
 *
 * Codes are packed 32 units to a word and compared by XOR and bit count, in integers: the
 * kernel is exact, and costs N²/2 · N_A/32 word operations where a matrix product of the
 * codes would take N² · N_A multiply-adds.
 */
export function naswotKernel(subnet: ExtractedSubnet, x: tf.Tensor4D): Float64Array {
  const n = x.shape[0];
  const k = new Float64Array(n * n);
  const convs = subnet.plan.layers.filter((l) => l.kind === 'conv');
  let at = 0;
  tf.tidy(() => {
    subnet.forward(x, 'calibrate', (_kernel, out) => {
      const layer = convs[at++];
      if (!layer.relu6) return;
      const units = out.size / n;
      const active = tf.greater(out, 0).dataSync() as Uint8Array;
      const words = Math.ceil(units / 32);
      const codes = new Uint32Array(n * words);
      for (let i = 0; i < n; i++)
        for (let u = 0; u < units; u++)
          if (active[i * units + u]) codes[i * words + (u >>> 5)] |= 1 << (u & 31);
      for (let i = 0; i < n; i++) {
        k[i * n + i] += units;
        for (let j = i + 1; j < n; j++) {
          let hamming = 0;
          for (let w = 0; w < words; w++)
            hamming += bitCount(codes[i * words + w] ^ codes[j * words + w]);
          k[i * n + j] += units - hamming;
          k[j * n + i] += units - hamming;
        }
      }
    });
  });
  return k;
}

/** Set bits of a 32-bit word (SWAR). */
function bitCount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/**
 * The NASWOT score of a subnet: log |det K| of its kernel (`naswotKernel`) on a batch of
 * images; higher predicts a better network. −Infinity when two images have the same code
 * (K singular), as the reference's `slogdet` gives. The reference scores a batch of 128
 * images; the score grows with the batch (an N×N determinant), so subnets are compared on
 * the same batch only.
 */
export function naswotScore(subnet: ExtractedSubnet, x: tf.Tensor4D): number {
  return logAbsDet(naswotKernel(subnet, x), x.shape[0]);
}
