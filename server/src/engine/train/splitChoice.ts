import * as tf from '@tensorflow/tfjs-core';
import type { Arch } from '#shared/arch';
import type { SupernetConfig } from '../../config/configSchema';
import type { Supernet } from '../model/supernet';
import type { Rng } from '#shared/rng';
import { RunError } from '../runError';
import type { Decision, SpaceDecisions } from '../../space/decisions';
import {
  FewShotSplit,
  canonicalGroups,
  randomGroups,
  splitCandidates,
  withChoice,
} from './fewShotSplit';
import { bestPartition, cosineSimilarities, meanMatrix } from './gradientMatching';
import { crossEntropy } from '../model/losses';
import { createSampler } from './samplers/samplers';

/** A candidate decision's best grouping and how much its groups agree (lower: split it). */
export interface DecisionScore {
  decision: string;
  groups: number[][];
  /** Mean cosine similarity of the shared weights' gradients across groups. */
  score: number;
}

export interface SplitChoice {
  split: FewShotSplit;
  /** Gradient matching: every candidate's score, in sampling order; empty for `random`. */
  scores: DecisionScore[];
}

/**
 * Chooses the decision to split and the grouping of its choices, before training step
 * `at.step` of a run whose parent supernet is `net` (config.train.fewShot says how many
 * parts, and by which criterion); undefined when `shouldStop` says so first. Gradient
 * matching (GM-NAS) scores every candidate decision (splitCandidates) on the batches
 * `gather` gives:
 *  - per batch, the subnets a fresh sampler of the run's kind draws at this point of training
 *    (its own stream `rng`: the run's sampler and its state are not touched, and what an
 *    importance or PA&DA sampler has learnt is not used), each with the decision set to
 *    each choice in turn; a choice's gradient is the sum over those subnets of the
 *    cross-entropy gradient on the weights the decision's choices share (sharedVariables),
 *    as one training step of the part holding only that choice would sum them, without
 *    distillation (the reference's loss is the labels' cross-entropy too);
 *  - cosine similarity of every two choices' gradients, averaged over the batches;
 *  - the grouping into K groups with the lowest mean similarity across groups
 *    (gradientMatching.ts), and the decision whose grouping scores lowest.
 * Deviations from the reference code (Proxylessnas-GM's `split_supernet`): it draws one
 * uniform path per batch and 100 fresh batches for each edge; here every decision is scored
 * on the same few batches (`fewShot.batches`, default 4) and sampled subnets, so the
 * decisions are compared on equal terms at a cost a CPU run can pay. It sums the cut and
 * takes 2 or 3 groups; here the mean cut, any K (gradientMatching.ts).
 * `random` (few-shot NAS) draws the decision and the grouping from `rng`.
 */
export async function chooseSplit(
  net: Supernet,
  config: SupernetConfig,
  decisions: SpaceDecisions,
  at: { step: number; progress: number },
  batches: { count: number; gather: (b: number) => { x: tf.Tensor4D; y: tf.Tensor1D } },
  rng: Rng,
  shouldStop?: () => boolean,
): Promise<SplitChoice | undefined> {
  const fewShot = config.train.fewShot;
  if (!fewShot) throw new Error('The config asks for no few-shot split');
  const candidates = splitCandidates(config, decisions);
  if (!candidates.length)
    throw new RunError(
      `No decision can be split into ${fewShot.splits} at ${fewShot.at} of training: none has ${fewShot.splits} choices and is trained by then (delayed or progressive shrinking).`,
    );
  if (fewShot.criterion === 'random') {
    const d = rng.pick(candidates);
    const groups = randomGroups(d.choices, fewShot.splits, rng);
    return { split: new FewShotSplit(d, groups, at.step), scores: [] };
  }
  const sampler = createSampler(config, rng);
  const perBatch: number[][][][] = candidates.map(() => []);
  for (let b = 0; b < batches.count; b++) {
    const bases = sampler.sample(at.progress).map((s) => s.arch);
    const { x, y } = batches.gather(b);
    try {
      for (const [i, d] of candidates.entries()) {
        // Lets IPC messages (cancel, status) in between decisions.
        await new Promise((r) => setImmediate(r));
        if (shouldStop?.()) return undefined;
        perBatch[i].push(cosineSimilarities(choiceGradients(net, decisions, d, bases, x, y)));
      }
    } finally {
      tf.dispose([x, y]);
    }
  }
  const scores = candidates.map((d, i): DecisionScore => {
    const { partition, score } = bestPartition(meanMatrix(perBatch[i]), fewShot.splits);
    const groups = canonicalGroups(partition.map((g) => g.map((c) => d.choices[c])));
    return { decision: d.name, groups, score };
  });
  let best = 0;
  scores.forEach((s, i) => {
    if (s.score < scores[best].score) best = i;
  });
  return { split: new FewShotSplit(candidates[best], scores[best].groups, at.step), scores };
}

/**
 * Per choice of `d`, in the order of its choices: the gradient of Σ over `bases` of the
 * cross-entropy of the base subnet with `d` set to that choice, on the variables every
 * choice uses alike (sharedVariables), concatenated in a fixed order (zeros where a subnet
 * uses no part of a variable).
 */
export function choiceGradients(
  net: Supernet,
  decisions: SpaceDecisions,
  d: Decision,
  bases: readonly Arch[],
  x: tf.Tensor4D,
  y: tf.Tensor1D,
): Float32Array[] {
  const vars = sharedVariables(net, decisions, d, bases);
  const offsets = new Map<string, number>();
  let size = 0;
  for (const v of vars) {
    offsets.set(v.name, size);
    size += v.size;
  }
  return d.choices.map((c) => {
    const out = new Float32Array(size);
    for (const base of bases) {
      const arch = withChoice(base, decisions, d, c);
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(net.forward(arch, x, 'train'), y),
        vars,
      );
      for (const [name, g] of Object.entries(grads)) {
        const data = g.dataSync();
        const at = offsets.get(name)!;
        for (let i = 0; i < data.length; i++) out[at + i] += data[i];
      }
      tf.dispose([value, ...Object.values(grads)]);
    }
    return out;
  });
}

/**
 * The trainable variables whose part in use does not depend on decision `d`: those of every
 * convolution that each base subnet runs at the same kernel size and channel counts (or
 * does not run) whatever choice `d` takes, and the classifier. GM-NAS compares the
 * gradients of every weight but the split edge's own operations; here the decision's own
 * weights are found from the layer lists: a kernel's depthwise convolution, an expand
 * ratio's block, a width's stage and the convolution reading it, a depth's optional blocks.
 * The resolution owns no weights.
 */
export function sharedVariables(
  net: Supernet,
  decisions: SpaceDecisions,
  d: Decision,
  bases: readonly Arch[],
): tf.Variable[] {
  const varying = new Set<string>();
  for (const base of bases) {
    const shapes = d.choices.map((c) => {
      const m = new Map<string, string>();
      for (const l of net.plan(withChoice(base, decisions, d, c)).layers)
        if (l.kind === 'conv') m.set(l.name, `${l.kernel}/${l.cin}/${l.cout}`);
      return m;
    });
    for (const name of net.convs.keys())
      if (shapes.some((m) => m.get(name) !== shapes[0].get(name))) varying.add(name);
  }
  const vars: tf.Variable[] = [];
  for (const [name, c] of net.convs) {
    if (varying.has(name)) continue;
    vars.push(c.kernel, c.gamma, c.beta);
    for (const t of net.transforms.get(name) ?? []) vars.push(t.matrix);
  }
  vars.push(net.classifierWeight, net.classifierBias);
  return vars;
}
