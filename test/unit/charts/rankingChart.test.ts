import test from 'node:test';
import assert from 'node:assert/strict';
import { appendEvents, emptyModel } from '#shared/charts/chartModel';
import { rankingScatter, tauChart, tauRange } from '#shared/charts/rankingChart';
import { rankingEvent } from '../dashboard/rankingFixtures';

void test('the τ chart: a curve per figure in legend order, the interval as a band', () => {
  const m = emptyModel('r1');
  appendEvents(m, [rankingEvent(1), rankingEvent(2, { flopsKendallTau: 0.5 })]);
  const chart = tauChart(m.ranking.series);
  assert.deepEqual(chart.epoch, [1, 2]);
  assert.deepEqual(
    chart.curves.map((c) => c.id),
    [
      'kendallTau',
      'tauLow',
      'tauHigh',
      'spearmanRho',
      'partialKendallTau',
      'flopsKendallTau',
      'noiseCeiling',
    ],
  );
  assert.deepEqual(chart.band?.low, [0.1, 0.2]);
  assert.equal(chart.band?.high.length, 2);
  // The reference lines are the latest epoch's.
  assert.deepEqual(chart.reference, { flopsKendallTau: 0.5, noiseCeiling: 0.8 });
  // The chart owns copies: live events appended later do not move its arrays.
  appendEvents(m, [rankingEvent(3)]);
  assert.equal(chart.epoch.length, 2);
});

void test('figures no epoch has are left out of the chart, and so is the band', () => {
  const m = emptyModel('r1');
  appendEvents(m, [
    rankingEvent(1, { kendallTauInterval: [NaN, NaN], noiseCeiling: NaN, spearmanRho: NaN }),
  ]);
  const chart = tauChart(m.ranking.series);
  assert.deepEqual(
    chart.curves.map((c) => c.id),
    ['kendallTau', 'partialKendallTau', 'flopsKendallTau'],
  );
  assert.equal(chart.band, undefined);
  assert.deepEqual(chart.reference, { flopsKendallTau: 0.45 });
});

void test('the τ axis holds 0 and the data, within what a correlation can be', () => {
  const [lo, hi] = tauRange(0.2, 0.6);
  assert.ok(lo < 0 && lo > -0.1, `${lo}`);
  assert.ok(hi > 0.6 && hi < 0.7, `${hi}`);
  assert.deepEqual(
    tauRange(-1, 1).map((v) => +v.toFixed(2)),
    [-1.05, 1.05],
  );
  const [l0, h0] = tauRange(0, 0);
  assert.ok(l0 < 0 && h0 > 1, 'no data to fit: 0…1 with the margin');
  assert.ok(tauRange(null, null)[1] > 1);
});

void test('the scatter: x in the supernet, y alone, ascending x, shaded by log FLOPs', () => {
  const s = rankingScatter(rankingEvent(1).points);
  assert.deepEqual(
    s.points.map((p) => [p.key, p.x, p.y]),
    [
      ['a', 0.7, 0.8],
      ['c', 0.72, 0.86],
      ['b', 0.75, 0.84],
    ],
  );
  // 1e5, 1e6, 1e7 FLOPs: evenly spread on the log scale.
  assert.deepEqual(
    s.points.map((p) => +p.shade.toFixed(3)),
    [0, 1, 0.5],
  );
  assert.deepEqual(s.flops, { min: 1e5, max: 1e7 });
  assert.deepEqual(rankingScatter([]), { points: [] });
  const same = rankingScatter([
    { key: 'k', flops: 5, supernetAccuracy: 0.1, standaloneAccuracy: 0.2 },
  ]);
  assert.equal(same.points[0].shade, 0.5, 'one FLOPs value: the middle shade');
});
