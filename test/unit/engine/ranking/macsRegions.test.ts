import test from 'node:test';
import assert from 'node:assert/strict';
import { macsRegions } from '../../../../server/src/engine/ranking/macsRegions';
import { cleanFigures } from '#shared/charts/rankingModel';
import { regionSentence, type MacsRegion } from '#shared/ranking';

// 18 subnets, MACs 10k … 180k: the truth rises with MACs. The predictor orders the upper two
// thirds perfectly and the lower third backwards.
const macs = Array.from({ length: 18 }, (_, i) => (i + 1) * 10_000);
const truth = macs.map((_, i) => 0.8 + i * 0.005);
const predicted = truth.map((t, i) => (i < 6 ? 1 - t : t));

void test('three MACs ranges of six: τ within each, by hand', () => {
  const r = macsRegions(predicted, truth, macs)!;
  assert.equal(r.length, 3);
  assert.deepEqual(
    r.map((x) => [x.fromMacs, x.toMacs, x.subnets]),
    [
      [10_000, 60_000, 6],
      [70_000, 120_000, 6],
      [130_000, 180_000, 6],
    ],
  );
  // Backwards in the first range: every one of its 15 pairs discordant; perfect above.
  assert.deepEqual(
    r.map((x) => x.kendallTau),
    [-1, 1, 1],
  );
  // MACs order every range perfectly here.
  assert.deepEqual(
    r.map((x) => x.macsKendallTau),
    [1, 1, 1],
  );
  // A perfect order resamples to τ 1 in every draw that is not constant.
  assert.deepEqual(r[2].kendallTauInterval, [1, 1]);
  assert.ok(r[0].kendallTauInterval[1] < 0);
  // Seeded: the same inputs, the same intervals.
  assert.deepEqual(macsRegions(predicted, truth, macs), r);
});

void test('fewer than five subnets a range: no regions', () => {
  assert.equal(
    macsRegions(predicted.slice(0, 14), truth.slice(0, 14), macs.slice(0, 14)),
    undefined,
  );
  assert.equal(
    macsRegions(predicted.slice(0, 15), truth.slice(0, 15), macs.slice(0, 15))?.length,
    3,
  );
});

const region = (fromMacs: number, toMacs: number, lo: number, tau = 0.5): MacsRegion => ({
  fromMacs,
  toMacs,
  subnets: 10,
  kendallTau: tau,
  kendallTauInterval: [lo, 0.9],
  macsKendallTau: 0.3,
});

void test('the sentence: trust above, check below; everywhere; nowhere; the middle only', () => {
  const figures = (regions: MacsRegion[]) => ({ subnets: 30, kendallTau: 0.6, regions });
  assert.equal(
    regionSentence(
      figures([
        region(50e3, 190e3, -0.2, 0.2),
        region(200e3, 390e3, 0.1),
        region(400e3, 700e3, 0.3),
      ]),
    ),
    "Trust the front's order from 200k MACs up (τ 0.50, 95% CI 0.10…0.90, 10 subnets; " +
      'τ 0.50, 95% CI 0.30…0.90, 10 subnets); up to 190k MACs (τ 0.20, 95% CI -0.20…0.90, ' +
      '10 subnets), check more subnets or train on.',
  );
  assert.match(
    regionSentence(figures([region(1e3, 2e3, 0.1), region(3e3, 4e3, 0.2), region(5e3, 6e3, 0.3)]))!,
    /^Trust the front's order at every MACs \(/,
  );
  assert.match(
    regionSentence(figures([region(1e3, 2e3, 0), region(3e3, 4e3, -0.1), region(5e3, 6e3, -0.3)]))!,
    /^No MACs range shows its order better than chance \(.*\): check more subnets or train on/,
  );
  assert.match(
    regionSentence(
      figures([region(1e3, 2e3, -0.1), region(3e3, 4e3, 0.2), region(5e3, 6e3, -0.3)]),
    )!,
    /^Trust the front's order between 3k MACs and 4k MACs \(.*\); up to 2k MACs \(.*\) and from 5k MACs up \(.*\), check more subnets or train on\.$/,
  );
  assert.equal(regionSentence({ subnets: 8, kendallTau: 0.6 }), undefined);
});

void test('regions read back from an event: all three or none', () => {
  const regions = macsRegions(predicted, truth, macs)!;
  const read = cleanFigures(JSON.parse(JSON.stringify({ kendallTau: 0.5, subnets: 18, regions })));
  assert.deepEqual(read?.regions, regions);
  const broken = JSON.parse(JSON.stringify({ kendallTau: 0.5, subnets: 18, regions })) as {
    regions: Record<string, unknown>[];
  };
  broken.regions[1].kendallTau = null;
  assert.equal(cleanFigures(broken)?.regions, undefined);
});
