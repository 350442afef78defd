import type { TrainConfig } from '../../config/configSchema';
import type { RunLength } from './schedule';

/**
 * The fraction of training from which expand ratios and widths are elastic: the third bound
 * of progressive shrinking (the first, if larger: before it the largest subnet trains
 * alone), or the end of delayed shrinking, whichever is later; 0 with neither.
 */
export function widthShrinkingStart(train: TrainConfig): number {
  const ps = train.progressiveShrinking;
  return Math.max(ps ? Math.max(ps[0], ps[2]) : 0, train.delayedShrinking);
}

/**
 * Whether the expanded channels are sorted (channelSorting.ts) before training step `step`
 * (0-based), so the sorts are a function of the step alone and a resumed run sorts where
 * the uninterrupted run did: a checkpoint at step s holds the weights after s steps, before
 * any sort due at step s.
 *  - `shrinking`: at the first step whose progress (step / totalSteps, the samplers'
 *    measure) reaches widthShrinkingStart, the moment OFA sorts: before narrower expand
 *    ratios train. Never at step 0: the weights are still their random initialisation.
 *  - `periodic`: that step, then every round(everyEpochs × stepsPerEpoch) steps after it.
 */
export function channelSortDue(step: number, length: RunLength, train: TrainConfig): boolean {
  const sorting = train.channelSorting;
  if (!sorting) return false;
  const first = firstStepAt(widthShrinkingStart(train), length.totalSteps);
  if (step === first) return first > 0;
  if (sorting.when !== 'periodic' || step < first) return false;
  const period = Math.max(1, Math.round(sorting.everyEpochs * length.stepsPerEpoch));
  return (step - first) % period === 0;
}

/** The first step s with s / totalSteps ≥ `from`, compared as the samplers compare. */
export function firstStepAt(from: number, totalSteps: number): number {
  let s = Math.max(0, Math.ceil(from * totalSteps));
  while (s > 0 && (s - 1) / totalSteps >= from) s--;
  while (s / totalSteps < from) s++;
  return s;
}
