import * as tf from '@tensorflow/tfjs-core';
import type { ExtractedSubnet } from '../model/extract';
import { resizeInput } from '../model/ops';
import { runLayers } from '../model/supernet';
import { crossEntropy } from '../model/losses';

/**
 * The grad_norm proxy of a subnet (Abdelfattah et al., 2021, "Zero-Cost Proxies for
 * Lightweight NAS"): the gradient of the mean cross-entropy of one minibatch with respect to
 * each weight tensor of a convolution or of the classifier, its Euclidean norm, summed over
 * the tensors — the sum of per-layer norms, as the reference code sums its per-layer array,
 * not the global norm. Batch-norm scales and shifts and the classifier's bias are left out,
 * as the reference takes only Conv2d and Linear weights. Batch norm normalises with the
 * batch's statistics (the reference keeps batch norm and scores in training mode).
 *
 * The weights are the subnet's own (the extracted copies: a shared kernel's slice, through
 * the kernel transforms when the supernet has them): the gradient is the one the subnet
 * has as a network of its own, not the shared tensors' (which differ under transforms).
 */
export function gradNormScore(subnet: ExtractedSubnet, x: tf.Tensor4D, y: tf.Tensor1D): number {
  const plan = subnet.plan;
  const convs = plan.layers.filter((l) => l.kind === 'conv');
  const weights = [...convs.map((l) => subnet.convs.get(l.name)!.kernel), subnet.classifierWeight];
  const norms = tf.tidy(() => {
    const input = resizeInput(x, plan.input[0], plan.input[1]);
    const loss = (...ws: tf.Tensor[]): tf.Scalar => {
      const kernels = new Map(convs.map((l, i) => [l.name, ws[i] as tf.Tensor4D]));
      const logits = runLayers(
        plan,
        input,
        (l) => ({ ...subnet.convs.get(l.name)!, kernel: kernels.get(l.name)! }),
        'train',
        undefined,
        () => [ws[ws.length - 1] as tf.Tensor2D, subnet.classifierBias] as const,
      );
      return crossEntropy(logits, y);
    };
    const grads = tf.grads(loss)(weights);
    return tf.stack(grads.map((g) => tf.norm(g))).dataSync();
  });
  let sum = 0;
  for (const v of norms) sum += v;
  return sum;
}
