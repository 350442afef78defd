import test from 'node:test';
import assert from 'node:assert/strict';
import { kendallTauB } from '../../../../server/src/engine/search/rankCorrelation';
import {
  bestPickUnder,
  bootstrapIndexInterval,
  bootstrapInterval,
  flopsComparison,
  noiseCeiling,
  partialKendallTau,
  quantile,
  topKOverlap,
} from '../../../../server/src/engine/search/rankingStats';

const close = (a: number, b: number, eps = 1e-12) =>
  assert.ok(Math.abs(a - b) <= eps, `${a} is not ${b}`);

void test('partial τ against a hand computation', () => {
  // x = supernet, y = stand-alone, z = FLOPs over 5 subnets.
  const x = [1, 2, 3, 4, 5];
  const y = [2, 1, 4, 3, 5];
  const z = [1, 3, 2, 5, 4];
  // By hand, 10 pairs each (0-based items): x–y discordant (0,1), (2,3) → τxy = (8 − 2)/10;
  // x–z discordant (1,2), (3,4) → τxz = 0.6; y–z pair by pair:
  // y–z pairs: (0,1) y↓ z↑ D; (0,2) ↑↑ C; (0,3) ↑↑ C; (0,4) ↑↑ C; (1,2) ↑↓ D; (1,3) ↑↑ C;
  // (1,4) ↑↑ C; (2,3) ↓↑ D; (2,4) ↑↑ C; (3,4) ↑↓ D → τyz = (6 − 4)/10 = 0.2.
  close(kendallTauB(x, y), 0.6);
  close(kendallTauB(x, z), 0.6);
  close(kendallTauB(y, z), 0.2);
  // (0.6 − 0.6·0.2) / √((1 − 0.36)(1 − 0.04)) = 0.48 / √0.6144 = 0.6123724…
  close(partialKendallTau(x, y, z), 0.48 / Math.sqrt(0.6144));
  // A control that orders x perfectly leaves nothing to say.
  assert.ok(Number.isNaN(partialKendallTau(x, y, x)));
});

void test('quantiles interpolate between order statistics (type 7)', () => {
  const v = [1, 2, 3, 4];
  close(quantile(v, 0), 1);
  close(quantile(v, 1), 4);
  close(quantile(v, 0.5), 2.5);
  close(quantile(v, 0.025), 1.075);
});

void test('bootstrap interval: seeded, bracketing the estimate, and exact for a perfect ranking', () => {
  const x = [0.8, 0.82, 0.83, 0.85, 0.86, 0.88, 0.9, 0.91];
  const y = [0.81, 0.8, 0.84, 0.83, 0.87, 0.89, 0.88, 0.92];
  const a = bootstrapInterval(x, y, kendallTauB, { resamples: 500, seed: 3 });
  const b = bootstrapInterval(x, y, kendallTauB, { resamples: 500, seed: 3 });
  assert.deepEqual(a, b);
  const tau = kendallTauB(x, y);
  assert.ok(a[0] < tau && tau < a[1], `${tau} outside ${a.join('…')}`);
  assert.ok(a[0] > -1 && a[1] <= 1);
  // Every resample of a perfectly agreeing pair of rankings agrees perfectly (ties dropped).
  assert.deepEqual(bootstrapInterval(x, x, kendallTauB, { resamples: 200 }), [1, 1]);
  // Too few distinct values to rank in most draws: no interval.
  const flat = bootstrapInterval([1, 1, 1, 2], [1, 2, 3, 4], kendallTauB, { resamples: 200 });
  assert.ok(flat.every(Number.isNaN) || flat[0] <= flat[1]);
});

void test('row bootstrap: the same draws as the paired one, and pairing kept across columns', () => {
  const x = [0.8, 0.82, 0.83, 0.85, 0.86, 0.88, 0.9, 0.91];
  const y = [0.81, 0.8, 0.84, 0.83, 0.87, 0.89, 0.88, 0.92];
  const pick = (v: number[], idx: number[]) => idx.map((k) => v[k]);
  // Intervals published before the row form stay what they were.
  assert.deepEqual(
    bootstrapIndexInterval(x.length, (i) => kendallTauB(pick(x, i), pick(y, i)), { seed: 5 }),
    bootstrapInterval(x, y, kendallTauB, { seed: 5 }),
  );
  // One row: every draw is that row.
  assert.deepEqual(
    bootstrapIndexInterval(1, (i) => i.length + i[0], { resamples: 50 }),
    [1, 1],
  );
  // A supernet that orders subnets exactly as FLOPs do (any monotone map of them) ties
  // FLOPs in every resample: τ − FLOPs τ is 0 in each, so the paired interval is [0, 0]
  // (resampled apart, the two τs would give a wide interval around 0). Partial τ given
  // FLOPs is undefined there.
  const flops = [15, 29, 35, 48, 60, 90, 120, 150];
  const same = flopsComparison(
    flops.map((f) => 0.5 + f / 1000),
    y,
    flops,
    1,
  );
  assert.deepEqual(same.advantageInterval, [0, 0]);
  assert.ok(same.partialInterval.every(Number.isNaN));
  // A supernet that orders them exactly as training alone does is ahead of FLOPs whenever
  // FLOPs err: y against flops has 3 discordant pairs of 28 (items 0–1, 2–3, 5–6: τ 22/28),
  // so the full-sample advantage is 1 − 22/28 and no resample can go below 0.
  const perfect = flopsComparison(y, y, flops, 1);
  close(kendallTauB(flops, y), 22 / 28);
  assert.ok(perfect.advantageInterval[0] >= 0 && perfect.advantageInterval[1] <= 1);
  assert.ok(perfect.advantageInterval[1] > 0);
  assert.deepEqual(flopsComparison(y, y, flops, 1), perfect, 'seeded');
});

void test('noise ceiling, top-k overlap and the best pick under a FLOPs limit', () => {
  close(noiseCeiling([1, 2, 3], [1, 3, 2]), 1 / 3);
  // Top 2 predicted: items 3, 2; top 2 true: items 3, 1 → one shared of 2.
  close(topKOverlap([0.1, 0.2, 0.3, 0.4], [0.1, 0.35, 0.2, 0.4], 2), 0.5);
  close(topKOverlap([0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4], 3), 1);
  const pick = bestPickUnder(
    [0.7, 0.9, 0.8, 0.95],
    [0.85, 0.8, 0.88, 0.9],
    [100, 200, 250, 400],
    300,
  );
  // Within 300: items 0, 1, 2; predicted best is 1 (true 0.80); truly best is 2 (0.88).
  assert.deepEqual(pick && { ...pick, regret: Number(pick.regret.toFixed(12)) }, {
    picked: 0.8,
    best: 0.88,
    regret: 0.08,
  });
  assert.equal(bestPickUnder([1], [1], [500], 100), undefined);
});
