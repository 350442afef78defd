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
