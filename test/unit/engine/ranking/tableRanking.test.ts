import test from 'node:test';
import assert from 'node:assert/strict';
import { flopsLimitOf, rankAgainstTable } from '../../../../server/src/engine/ranking/tableRanking';
import type { TruthTable } from '../../../../server/src/engine/ranking/truthTable';
import type { SupernetConfig } from '../../../../server/src/config/configSchema';

const close = (a: number, b: number, eps = 1e-4) =>
  assert.ok(Math.abs(a - b) <= eps, `${a} is not ${b}`);

/** 4 subnets: stand-alone y = 1, 3, 2, 4 (%), FLOPs z = 10, 40, 20, 30. */
const table = {
  name: 'hand',
  recipe: { seeds: [0, 1] },
  subnets: [
    { key: 'a', flops: 10, params: 3, accuracy: [0.01, null] },
    { key: 'b', flops: 40, params: 1, accuracy: [0.03, 0.03] },
    { key: 'c', flops: 20, params: 2, accuracy: [0.02, null] },
    { key: 'd', flops: 30, params: 4, accuracy: [0.04, 0.05] },
  ],
} as unknown as TruthTable;

void test('ranking figures against a hand computation', () => {
  // supernet x = 1, 2, 3, 4; stand-alone y = 1, 3, 2, 4.5 (d's mean over its 2 seeds).
  const r = rankAgainstTable(table, [0.1, 0.2, 0.3, 0.4], 25);
  // x-y pairs: 5 concordant, 1 discordant (b, c): τ 4/6.
  close(r.kendallTau, 4 / 6);
  // z-y: (b, d) discordant only: 4/6. x-z: (b, c), (b, d) discordant: 2/6.
  close(r.flopsKendallTau, 4 / 6);
  // partial τ = (τxy − τxz τyz) / √((1 − τxz²)(1 − τyz²)) = (4/6 − 2/6·4/6) / √((1 − 1/9)(1 − 4/9)).
  close(r.partialKendallTau, (4 / 6 - 8 / 36) / Math.sqrt((8 / 9) * (5 / 9)));
  // ranks of x 1 2 3 4, of y 1 3 2 4: ρ = 1 − 6·2 / (4·15) = 0.8.
  close(r.spearmanRho, 0.8);
  // k = round(4 / 5) = 1: both put d first.
  assert.deepEqual(r.topK, { k: 1, overlap: 1 });
  // Under 25 FLOPs: a and c; the supernet picks c (0.3 > 0.1), c is also the best alone.
  assert.deepEqual(r.bestPick && { ...r.bestPick }, {
    flopsLimit: 25,
    pickedKey: 'c',
    picked: 0.02,
    bestKey: 'c',
    best: 0.02,
    regret: 0,
  });
  // The seeds agree on b < d: τ between them 1 (only two pairs). The ceiling of the mean
  // is below it: d's two runs differ, so even a perfect predictor meets noise.
  assert.equal(r.seedAgreement, 1);
  assert.ok(r.noiseCeiling > 0 && r.noiseCeiling < 1, `${r.noiseCeiling}`);
  // Baselines on the same truth: MACs 4/6 as above; params 3, 1, 2, 4 against y 1, 3, 2, 4.5:
  // (a, b), (a, c), (b, c) discordant, the other three concordant: 0. MACs is the best.
  assert.deepEqual(
    r.baselines?.map((b) => b.name),
    ['macs', 'params'],
  );
  close(r.baselines![1].kendallTau, 0);
  assert.deepEqual(r.bestBaseline?.name, 'macs');
  assert.equal(r.baselineAdvantageInterval?.length, 2);
  assert.equal(r.topEnd?.precisionAtK.k, 4);
  assert.equal(r.points.length, 4);
  assert.ok(r.kendallTauInterval[0] <= r.kendallTau && r.kendallTau <= r.kendallTauInterval[1]);
  // τ − FLOPs τ is 0 on the full sample; resampled, it stays within [−2, 2] and brackets 0.
  const [lo, hi] = r.flopsAdvantageInterval!;
  assert.ok(-2 <= lo && lo <= 0 && 0 <= hi && hi <= 2, `${lo}…${hi}`);
  assert.equal(r.partialKendallTauInterval?.length, 2);
});

void test('a wrong pick shows as regret', () => {
  // The supernet prefers a under 25 FLOPs; c is better alone by one point.
  const r = rankAgainstTable(table, [0.5, 0.2, 0.3, 0.4], 25);
  assert.equal(r.bestPick?.pickedKey, 'a');
  close(r.bestPick!.regret, 0.01, 1e-12);
  assert.equal(rankAgainstTable(table, [0.5, 0.2, 0.3, 0.4], 5).bestPick, undefined);
});

void test('the FLOPs limit: the tightest flops constraint, else the median', () => {
  const config = (constraints: string[]) =>
    ({ search: { constraints } }) as unknown as SupernetConfig;
  assert.equal(
    flopsLimitOf(config(['flops <= 300k', 'flops < 200k', 'params <= 1M']), [1, 2]),
    200000,
  );
  assert.equal(flopsLimitOf(config(['params <= 1M']), [40, 10, 30, 20]), 20);
});
