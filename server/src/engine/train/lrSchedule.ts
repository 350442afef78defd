import type { TrainConfig } from '../../config/configSchema';

/**
 * Learning rate of optimizer step `step` (0-based) of `totalSteps`.
 *
 * Warm-up: W = round(warmupEpochs × stepsPerEpoch) steps rising linearly from 0,
 * lr·(step + 1)/W, so the first step already moves (a rate of exactly 0 would waste
 * it) and step W − 1 reaches the peak `lr`.
 * Then `constant` keeps `lr`; `cosine` decays from `lr` at step W towards `minLr`,
 * which it would reach one step after the last (totalSteps), so the last update
 * still moves the weights. Steps beyond the end stay at `minLr`.
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
  if (decaySteps <= 0) return minLr;
  const t = Math.min(1, (step - warmup) / decaySteps);
  return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * t))) / 2;
}
