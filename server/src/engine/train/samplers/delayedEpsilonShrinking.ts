import type { TrainConfig } from '../../../config/configSchema';
import { learningRate } from '../lrSchedule';
import { firstStepFrom, type RunLength } from '../schedule';

/**
 * DεpS, delayed ε-shrinking (Annavajjala, Khare, Agrawal, Fedorov, Latapie, Lee, Tumanov,
 * ECCV 2024, "DεpS: Delayed ε-Shrinking for Faster Once-For-All Training"), `train.deps`.
 *
 * Sources: the abstract ("starts the process of shrinking the full model when it is
 * partially trained (∼50%)"; "heuristics that dynamically adjust subnet learning rates
 * incrementally (ε)"), a third-party digest naming its three parts (FM-Warmup, ε-Shrinking,
 * IKD-Warmup), and the authors' code, github.com/gatech-sysml/DepS at commit 317b1e5
 * (`deps/imagenet_classification/elastic_nn/training/deps.py`, `train_options.py`, the
 * README's ImageNet command). The paper's body was not reachable here; the rules below are
 * the code's.
 *
 * The method, as the code runs it (epochs E, full-model epochs W = `teacher_warmup`,
 * ramp R = `smallnet_warmup`):
 *   - FM-Warmup: before epoch W − R only the full model trains, on the labels.
 *   - Shrinking from epoch W − R: each step the full model (on the labels, at the schedule's
 *     rate) and `dynamic_batch_size − 1` subnets, the smallest and random ones (the sandwich
 *     rule), whose gradients are multiplied by β before they are summed into one update: a
 *     learning rate of β × the schedule's for the subnets.
 *   - ε-shrinking: over the R epochs of the ramp, the subnets' rate is (t / T)·m·lr(W) at
 *     the ramp's t-th step of T (1-based): linear from 0 to m times the schedule's rate at
 *     epoch W, whatever the schedule does meanwhile; from epoch W on, m × the schedule's
 *     rate. m = `min_multiplier` for the smallest, `other_multiplier` for the others (both
 *     1 by default).
 *   - IKD-Warmup: the subnets learn in place from the full model's soft predictions
 *     (`--inplace_distillation`), a full model that keeps training while they do.
 *   - The expanded channels are reorganised by importance once, when shrinking starts
 *     (`--reorganize_weights`): here `channelSorting: { when: shrinking }`.
 * The README's ImageNet run: E = 270, W = 150, R = 5 (shrinking from 53.7% of training,
 * the ramp ending at 55.6%), cosine schedule, SGD.
 *
 * Here: `start` = (W − R)/E, `lrRamp` = R/E, `lrScale` = m. The start is a fixed point of
 * training, as in the code (W is an epoch given on the command line, and the code keeps a
 * table of the schedule's rate at each W it tried); no trigger on the full model's accuracy
 * was found in it. Defaults: `start` 0.5 (the abstract's ∼50%), `lrRamp` 0.02 (5 of 270
 * epochs, rounded), `lrScale` 1 (the code's). How it differs from `delayedShrinking`, which
 * has the same full-model phase: there the subnets join at the full rate at once, and
 * nothing scales their rate.
 *
 * Checkpoints: everything here is a function of the step and the run's config (which a
 * resumed run reads from its folder), so DεpS adds no state; the sampler's is the wrapped
 * sampler's, as with delayed shrinking.
 *
 * Deviations: one `lrScale` for the smallest and the other subnets; no label smoothing (the
 * README's command: 0.1); the code distils with a soft-target cross-entropy at temperature
 * 1 by default, which has the gradient of the engine's KL; with Adam (the paper trains with
 * SGD) a gradient's scale barely changes its step, so the ramp then only shifts the
 * subnets' share of the summed gradient. A ramp that would end after the run ends aims at
 * the schedule's rate at the last step.
 */

/**
 * The factor each subnet but the full model multiplies its gradient by at step `step`
 * (0-based): 1 before shrinking starts (only the full model trains then) and without
 * `train.deps`; along the ramp, its target rate over the schedule's rate at this step.
 */
export function depsGradScale(step: number, length: RunLength, train: TrainConfig): number {
  const deps = train.deps;
  if (!deps) return 1;
  const { totalSteps, stepsPerEpoch } = length;
  const first = firstStepFrom(deps.start, totalSteps);
  const ramp = Math.round(deps.lrRamp * totalSteps);
  if (step < first) return 1;
  if (step >= first + ramp) return deps.lrScale;
  const rate = (s: number) => learningRate(s, totalSteps, stepsPerEpoch, train);
  // The schedule's rate where the ramp ends; at the last step if the run ends first.
  const end = rate(Math.min(first + ramp, totalSteps - 1));
  const target = ((step - first + 1) / ramp) * deps.lrScale * end;
  const now = rate(step);
  return now > 0 ? target / now : 0;
}
