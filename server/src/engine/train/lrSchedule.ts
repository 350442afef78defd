import type { TrainConfig } from '../../config/configSchema';

/** BigNAS's decay factor, per decay step, in its ImageNet setting (×0.97 every 2.4 epochs). */
export const EXPONENTIAL_DECAY = 0.97;
/** BigNAS's constant ending: the decay stops at 5% of the initial rate. */
export const EXPONENTIAL_END_RATIO = 0.05;
/**
 * Where the default exponential decay reaches its floor, as a fraction of the steps after
 * warm-up. BigNAS's ImageNet setting reaches 5% after ln 0.05 / ln 0.97 ≈ 98 decay steps of
 * 2.4 epochs, about 236 epochs, some two thirds of an EfficientNet-length run (350 epochs),
 * and ends on the floor. A run here lasts a few epochs: the period is scaled to the run so
 * that the shape, not the epoch count, is kept.
 */
export const EXPONENTIAL_FLOOR_AT = 2 / 3;

/**
 * Learning rate of optimizer step `step` (0-based) of `totalSteps`.
 *
 * Warm-up: W = round(warmupEpochs × stepsPerEpoch) steps rising linearly from 0,
 * lr·(step + 1)/W, so the first step already moves (a rate of exactly 0 would waste
 * it) and step W − 1 reaches the peak `lr`.
 * Then `constant` keeps `lr`; `cosine` decays from `lr` at step W towards `minLr`,
 * which it would reach one step after the last (totalSteps), so the last update
 * still moves the weights. Steps beyond the end stay at `minLr`. `exponential`: see
 * exponentialRate.
 */
export function learningRate(
  step: number,
  totalSteps: number,
  stepsPerEpoch: number,
  train: TrainConfig,
): number {
  const { lr } = train.optimizer;
  const { type, warmupEpochs, minLr } = train.schedule;
  const warmup = Math.min(Math.round(warmupEpochs * stepsPerEpoch), totalSteps);
  if (step < warmup) return (lr * (step + 1)) / warmup;
  if (type === 'constant') return lr;
  const decaySteps = totalSteps - warmup;
  if (type === 'exponential')
    return exponentialRate(step - warmup, decaySteps, stepsPerEpoch, lr, train.schedule);
  if (decaySteps <= 0) return minLr;
  const t = Math.min(1, (step - warmup) / decaySteps);
  return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * t))) / 2;
}

/**
 * BigNAS's "exponentially decaying learning rate with constant ending" (Yu et al. 2020,
 * "Training a high-quality single-stage model", paragraph on convergence behaviour), at
 * `t` steps after warm-up of `decaySteps`:
 * lr · decay^⌊t / P⌋, a staircase as EfficientNet's TensorFlow code decays (the setting
 * BigNAS follows), never below the floor endRatio · lr, where it stays to the end.
 * P = decayEpochs × stepsPerEpoch steps (fractions allowed); without decayEpochs, P is the
 * period that puts the floor at EXPONENTIAL_FLOOR_AT of `decaySteps`.
 * Deviation: EfficientNet's code counts the decay from step 0, warm-up included; here it
 * starts after warm-up, as cosine does, so warm-up ends on the peak `lr`.
 */
export function exponentialRate(
  t: number,
  decaySteps: number,
  stepsPerEpoch: number,
  lr: number,
  schedule: TrainConfig['schedule'],
): number {
  const decay = schedule.decay ?? EXPONENTIAL_DECAY;
  const endRatio = schedule.endRatio ?? EXPONENTIAL_END_RATIO;
  const floor = lr * endRatio;
  const period =
    schedule.decayEpochs !== undefined
      ? schedule.decayEpochs * stepsPerEpoch
      : defaultDecayPeriod(decaySteps, decay, endRatio);
  if (!(period > 0)) return floor;
  return Math.max(floor, lr * decay ** Math.floor(t / period));
}

/** Steps per decay step that reach the floor at EXPONENTIAL_FLOOR_AT of `decaySteps`. */
export function defaultDecayPeriod(decaySteps: number, decay: number, endRatio: number): number {
  const toFloor = Math.log(endRatio) / Math.log(decay);
  return (EXPONENTIAL_FLOOR_AT * decaySteps) / toFloor;
}
