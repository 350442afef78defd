// Ranking events and files as the engine writes them, for the ranking tests.

/** A `ranking` event of epoch `epoch`; `over` replaces any field. */
export function rankingEvent(epoch: number, over: Record<string, unknown> = {}) {
  return {
    type: 'ranking',
    time: 1000 + epoch,
    epoch,
    step: epoch * 100,
    table: 'ranking-ref',
    subnets: 3,
    kendallTau: 0.2 + 0.1 * epoch,
    kendallTauInterval: [0.1 * epoch, 0.3 + 0.1 * epoch] as [number, number],
    spearmanRho: 0.3 + 0.1 * epoch,
    flopsKendallTau: 0.45,
    partialKendallTau: 0.05 * epoch,
    noiseCeiling: 0.8,
    seedAgreement: 0.7,
    topK: { k: 1, overlap: 1 },
    bestPick: {
      flopsLimit: 1e6,
      pickedKey: 'b',
      picked: 0.84,
      bestKey: 'c',
      best: 0.86,
      regret: 0.02,
    },
    points: [
      { key: 'a', flops: 1e5, supernetAccuracy: 0.7, standaloneAccuracy: 0.8 },
      { key: 'b', flops: 1e6, supernetAccuracy: 0.75, standaloneAccuracy: 0.84 },
      { key: 'c', flops: 1e7, supernetAccuracy: 0.72, standaloneAccuracy: 0.86 },
    ],
    seconds: 2,
    ...over,
  };
}

/** A `stability` event of epoch `epoch`: τ against the previous epoch (null at the first). */
export function stabilityEvent(epoch: number, kendallTau: number | null, probe = 20) {
  return {
    type: 'stability',
    time: 2000 + epoch,
    epoch,
    step: epoch * 100,
    probe,
    kendallTau,
    settled: kendallTau !== null && kendallTau >= 0.85,
    seconds: 1,
  };
}

/** rank.json of a check of two subnets. */
export function rankFile(over: Record<string, unknown> = {}) {
  return {
    runId: 'r1',
    epochs: 2,
    seed: 0,
    subnets: [
      {
        key: 'x',
        flops: 2e5,
        params: 1e4,
        supernetAccuracy: 0.6,
        standaloneAccuracy: 0.7,
        standaloneSeconds: 3,
      },
      {
        key: 'y',
        flops: 4e5,
        params: 2e4,
        supernetAccuracy: 0.65,
        standaloneAccuracy: 0.72,
        standaloneSeconds: 4,
      },
    ],
    kendallTau: 1,
    spearmanRho: 1,
    kendallTauInterval: [1, 1],
    flopsKendallTau: 1,
    partialKendallTau: null,
    time: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

export const jsonLines = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';
