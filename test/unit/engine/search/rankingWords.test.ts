import test from 'node:test';
import assert from 'node:assert/strict';
import { rankingFiguresOf, rankingSummary, rankingWarning } from '#shared/ranking';

void test('a ranking check reads with its interval and the MACs baseline beside τ', () => {
  const f = rankingFiguresOf({
    subnets: 12,
    kendallTau: 0.17,
    spearmanRho: 0.25,
    kendallTauInterval: [-0.49, 0.75],
    flopsKendallTau: 0.49,
    partialKendallTau: -0.1,
  })!;
  assert.equal(
    rankingSummary(f),
    'Kendall τ-b 0.17 (95% CI -0.49…0.75, K 12) · by MACs 0.49 · partial τ given MACs -0.10 · Spearman ρ 0.25',
  );
  // The issue's own measurement: not better than MACs, and too few subnets to tell.
  assert.match(
    rankingWarning(f)!,
    /does not yet rank subnets better than their MACs do \(τ 0\.17 vs 0\.49/,
  );
  assert.match(rankingWarning(f)!, /check more subnets \(K 12 leaves the interval -0\.49…0\.75\)/);
});

void test('no warning once the interval clears the MACs baseline, or without a baseline', () => {
  const good = {
    subnets: 20,
    kendallTau: 0.7,
    kendallTauInterval: [0.55, 0.82] as [number, number],
    flopsKendallTau: 0.45,
  };
  assert.equal(rankingWarning(good), undefined);
  // Above MACs at the estimate but not at the interval's lower end: still a warning.
  assert.match(
    rankingWarning({ ...good, kendallTauInterval: [0.3, 0.9] })!,
    /does not show the supernet ranking subnets better than their MACs do: τ 0\.70 is above 0\.45 by MACs, but its 95% interval reaches down to 0\.30/,
  );
  assert.equal(rankingWarning({ subnets: 3, kendallTau: 0.2 }), undefined);
  assert.equal(rankingFiguresOf({ subnets: [1, 2] }), undefined);
  assert.equal(rankingFiguresOf({ subnets: [1, 2], kendallTau: 1 })?.subnets, 2);
});

void test('with the paired interval, the warning follows it and says what the supernet adds', () => {
  // The benchmark's complexity-aware supernet, seed 1, after 10 epochs.
  const measured = {
    subnets: 32,
    kendallTau: 0.7,
    kendallTauInterval: [0.52, 0.84] as [number, number],
    flopsKendallTau: 0.79,
    partialKendallTau: 0.43,
    partialKendallTauInterval: [0.17, 0.63] as [number, number],
    flopsAdvantageInterval: [-0.27, 0.06] as [number, number],
  };
  assert.equal(
    rankingWarning(measured),
    'This supernet does not yet rank subnets better than their MACs do (τ 0.70 vs 0.79 by ' +
      'MACs): train it longer before trusting its search front. It does add to them: among ' +
      'subnets of similar MACs its order beats chance (partial τ 0.43, 95% CI 0.17…0.63).',
  );
  // τ's own interval reaches below the MACs τ, but the paired one is above 0: no warning.
  const ahead = {
    ...measured,
    kendallTau: 0.7,
    kendallTauInterval: [0.3, 0.9] as [number, number],
    flopsKendallTau: 0.45,
    flopsAdvantageInterval: [0.05, 0.4] as [number, number],
  };
  assert.equal(rankingWarning(ahead), undefined);
  assert.match(
    rankingWarning({ ...ahead, flopsAdvantageInterval: [-0.05, 0.4] })!,
    /τ 0\.70 is above 0\.45 by MACs, but τ − MACs τ has a 95% interval of -0\.05…0\.40\. To be sure/,
  );
  // Partial τ's interval reaching 0 or below: no claim that it adds.
  assert.doesNotMatch(
    rankingWarning({ ...measured, partialKendallTauInterval: [-0.02, 0.6] })!,
    /add to them/,
  );
});
