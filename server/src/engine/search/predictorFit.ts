import type { PredictorFit } from '#shared/runFolder/records';
import type { ObjectiveBounds } from './hypervolume';
import { predictionQuality } from './linas';

/**
 * The accuracy a scaled, minimised score stands for: scoreOf scales −accuracy by the
 * objective's bounds (objectives.ts), so this undoes both.
 */
export const unscaledAccuracy = (scaled: number, [best, worst]: ObjectiveBounds): number =>
  -(best + scaled * (worst - best));

/** How the predictor did on a generation: τ and MAPE of predicted against inherited accuracy. */
export function accuracyPredictorFit(
  pairs: readonly { predicted: number; actual: number }[],
  trainedOn: number,
): PredictorFit | undefined {
  if (pairs.length < 2) return undefined;
  const q = predictionQuality(
    pairs.map((p) => p.predicted),
    pairs.map((p) => p.actual),
  );
  return { tau: q.tau, mape: q.mape, trainedOn };
}
