import test from 'node:test';
import assert from 'node:assert/strict';
import { rankingFiguresOf, rankingSummary, rankingWarningShort } from '#shared/ranking';
import { rankingEvent } from './rankingFixtures';

void test("an epoch's ranking reads like a check's, with the noise ceiling at the end", () => {
  const f = rankingFiguresOf(rankingEvent(2))!;
  assert.equal(f.subnets, 3);
  assert.equal(f.noiseCeiling, 0.8);
  assert.equal(
    rankingSummary(f),
    'Kendall τ-b 0.40 (95% CI 0.20…0.50, K 3) · by MACs 0.45 · partial τ given MACs 0.10 · ' +
      'Spearman ρ 0.50 · noise ceiling 0.80',
  );
});

void test('with the paired intervals against MACs, the summary gives both', () => {
  const f = rankingFiguresOf({
    ...rankingEvent(2),
    flopsAdvantageInterval: [-0.31, 0.02],
    partialKendallTauInterval: [-0.05, 0.26],
  })!;
  assert.equal(
    rankingSummary(f),
    'Kendall τ-b 0.40 (95% CI 0.20…0.50, K 3) · by MACs 0.45 · τ − MACs τ 95% CI -0.31…0.02 · ' +
      'partial τ given MACs 0.10 (95% CI -0.05…0.26) · Spearman ρ 0.50 · noise ceiling 0.80',
  );
});

void test('the short warning is there exactly when the long one is', () => {
  const base = { subnets: 20, kendallTau: 0.3, flopsKendallTau: 0.45 };
  assert.equal(rankingWarningShort(base), 'ranks no better than MACs');
  assert.equal(
    rankingWarningShort({ ...base, kendallTau: 0.6, kendallTauInterval: [0.4, 0.8] }),
    'not shown to rank better than MACs',
  );
  assert.equal(
    rankingWarningShort({ ...base, kendallTau: 0.6, kendallTauInterval: [0.5, 0.8] }),
    undefined,
  );
  assert.equal(rankingWarningShort({ subnets: 3, kendallTau: 0.1 }), undefined, 'no baseline');
});
