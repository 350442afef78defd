import type { TrainConfig } from '../../config/configSchema';

/** How long a run is, in steps. */
export interface RunLength {
  stepsPerEpoch: number;
  totalSteps: number;
}

/** Steps per epoch drop the last partial batch; `train.steps` overrides `epochs`. */
export function runLength(train: TrainConfig, trainImages: number): RunLength {
  const stepsPerEpoch = Math.max(1, Math.floor(trainImages / train.batchSize));
  const totalSteps = train.steps ?? Math.max(1, Math.round(train.epochs * stepsPerEpoch));
  return { stepsPerEpoch, totalSteps };
}

/** The first step s with s / totalSteps ≥ `from`, compared as the samplers compare progress. */
export function firstStepFrom(from: number, totalSteps: number): number {
  let s = Math.max(0, Math.ceil(from * totalSteps));
  while (s > 0 && (s - 1) / totalSteps >= from) s--;
  while (s / totalSteps < from) s++;
  return s;
}
