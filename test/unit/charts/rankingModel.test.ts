import test from 'node:test';
import assert from 'node:assert/strict';
import { appendEvents, emptyModel } from '#shared/charts/chartModel';
import {
  latestRanking,
  latestRankingWarning,
  rankingDetails,
  rankingSource,
  runningCheckNote,
  scatterSubnets,
} from '#shared/charts/latestRanking';
import { applyRankFile, emptyRanking } from '#shared/charts/rankingModel';
import { rankingOfRunTexts } from '#shared/charts/runRanking';
import { isDashboardTab, parseHostMessage, type InitMessage } from '#shared/dashboard/webview';

const isHostMessage = (x: unknown) => !('problem' in parseHostMessage(x));
import { jsonLines, rankFile, rankingEvent, stabilityEvent } from '../dashboard/rankingFixtures';
import { lastStability, stabilityWords } from '#shared/charts/stabilityWords';

void test('ranking events become one entry per epoch, the interval split in its two ends', () => {
  const m = emptyModel('r1');
  appendEvents(m, [rankingEvent(1), rankingEvent(2)]);
  const s = m.ranking.series;
  assert.deepEqual(s.epoch, [1, 2]);
  assert.deepEqual(s.step, [100, 200]);
  assert.deepEqual(s.subnets, [3, 3]);
  assert.deepEqual(
    s.kendallTau.map((v) => +v.toFixed(2)),
    [0.3, 0.4],
  );
  assert.deepEqual(s.tauLow, [0.1, 0.2]);
  assert.deepEqual(
    s.tauHigh.map((v) => +v!.toFixed(2)),
    [0.4, 0.5],
  );
  assert.deepEqual(s.flopsKendallTau, [0.45, 0.45]);
  assert.deepEqual(s.noiseCeiling, [0.8, 0.8]);
  assert.equal(m.ranking.last?.epoch, 2);
  assert.equal(m.ranking.last?.table, 'ranking-ref');
  assert.equal(m.ranking.last?.points.length, 3);
  assert.deepEqual(m.ranking.last?.topK, { k: 1, overlap: 1 });
  assert.equal(m.ranking.last?.bestPick?.regret, 0.02);
});

void test('a resumed run ranks an epoch again: the newer figures replace it and what follows', () => {
  const m = emptyModel('r1');
  appendEvents(m, [rankingEvent(1), rankingEvent(2), rankingEvent(3)]);
  appendEvents(m, [rankingEvent(2, { kendallTau: 0.9 })]);
  assert.deepEqual(m.ranking.series.epoch, [1, 2]);
  assert.equal(m.ranking.series.kendallTau[1], 0.9);
  assert.equal(m.ranking.series.tauLow.length, 2, 'every array stays parallel');
  assert.equal(m.ranking.last?.epoch, 2);
});

void test('figures written as null (NaN in JSON) stay gaps; subnets without a figure are dropped', () => {
  const m = emptyModel('r1');
  appendEvents(m, [
    JSON.parse(
      JSON.stringify(
        rankingEvent(1, {
          spearmanRho: NaN,
          kendallTauInterval: [NaN, 0.5],
          points: [
            { key: 'a', flops: 1, supernetAccuracy: 0.5, standaloneAccuracy: NaN },
            { key: 'b', flops: 2, supernetAccuracy: 0.5, standaloneAccuracy: 0.6 },
          ],
        }),
      ),
    ),
  ]);
  const s = m.ranking.series;
  assert.deepEqual(s.spearmanRho, [null]);
  assert.deepEqual([s.tauLow, s.tauHigh], [[null], [null]], 'half an interval is none');
  assert.deepEqual(
    m.ranking.last?.points.map((p) => p.key),
    ['b'],
  );
  assert.equal(latestRanking(m.ranking)?.figures.spearmanRho, undefined);
});

void test('an event with a field that is not as the schema says is refused whole', () => {
  const m = emptyModel('r1');
  appendEvents(m, [rankingEvent(1)]);
  appendEvents(m, [
    rankingEvent(2, { bestPick: { flopsLimit: 1, pickedKey: 'a' } }),
    rankingEvent(3, {
      points: [{ flops: 2, supernetAccuracy: 0.5, standaloneAccuracy: 0.6 }],
    }),
  ]);
  assert.deepEqual(m.ranking.series.epoch, [1], 'an incomplete best pick, a subnet without a key');
  assert.equal(m.ranking.last?.epoch, 1);
});

void test('a check in progress shows its subnets; its rank-end makes it the latest check', () => {
  const m = emptyModel('r1');
  applyRankFile(m.ranking, rankFile());
  appendEvents(m, [
    { type: 'rank-start', time: 1, runId: 'r1', subnets: 3, epochs: 1, seed: 0 },
    {
      type: 'ranked',
      time: 2,
      subnet: {
        key: 'p',
        flops: 10,
        params: 5,
        supernetAccuracy: 0.3,
        standaloneAccuracy: 0.4,
        standaloneSeconds: 2,
      },
    },
  ]);
  assert.equal(runningCheckNote(m.ranking), 'Check Ranking running: 1 of 3 subnets measured');
  // Until it ends, the previous check (rank.json) is the one the figures come from.
  assert.deepEqual(
    latestRanking(m.ranking)?.points.map((p) => p.key),
    ['x', 'y'],
  );
  appendEvents(m, [
    {
      type: 'rank-end',
      time: 3,
      status: 'completed',
      subnets: 1,
      kendallTau: -0.2,
      spearmanRho: -0.3,
      kendallTauInterval: [-0.9, 0.6],
      flopsKendallTau: 0.1,
      seconds: 1,
    },
  ]);
  assert.equal(runningCheckNote(m.ranking), undefined);
  const latest = latestRanking(m.ranking)!;
  assert.equal(latest.source, 'check');
  assert.equal(latest.figures.kendallTau, -0.2);
  assert.deepEqual(
    latest.points.map((p) => p.key),
    ['p'],
  );
  assert.equal(rankingSource(latest), 'Check Ranking: 1 subnets trained alone for 1 epoch(s)');
});

void test('a stopped check writes nothing: the last completed one still stands', () => {
  const m = emptyModel('r1');
  applyRankFile(m.ranking, rankFile());
  appendEvents(m, [
    { type: 'rank-start', time: 1, runId: 'r1', subnets: 3, epochs: 1, seed: 0 },
    { type: 'rank-end', time: 3, status: 'cancelled', seconds: 1 },
  ]);
  assert.equal(m.ranking.running, undefined);
  assert.equal(latestRanking(m.ranking)?.figures.subnets, 2);
  assert.equal(latestRanking(m.ranking)?.figures.partialKendallTau, undefined, 'null dropped');
});

void test('the epoch ranking is the latest when a run has both; rank.json otherwise', () => {
  const state = emptyRanking();
  assert.equal(latestRanking(state), undefined);
  assert.equal(latestRankingWarning(state), undefined);
  applyRankFile(state, rankFile());
  assert.equal(latestRanking(state)?.source, 'check');
  assert.equal(scatterSubnets(state).caption, 'the last Check Ranking');
  const m = emptyModel('r1');
  m.ranking = state;
  appendEvents(m, [rankingEvent(1)]);
  const latest = latestRanking(m.ranking)!;
  assert.equal(latest.source, 'epoch');
  assert.equal(rankingSource(latest), 'Epoch 1 (step 100) against ranking-ref');
  assert.equal(scatterSubnets(m.ranking).points.length, 3);
  assert.equal(
    rankingDetails(latest),
    "of the 1 best alone, 100% are among the supernet's 1 best · under 1M MACs its pick " +
      'reaches 84.0% alone, the best 86.0% (regret 2.0 points)',
  );
});

void test('the warning follows the latest figures: τ not clearly above the FLOPs τ', () => {
  const m = emptyModel('r1');
  // τ 0.3, interval 0.1…0.4, FLOPs 0.45: not better than FLOPs.
  appendEvents(m, [rankingEvent(1)]);
  assert.match(latestRankingWarning(m.ranking)!, /does not yet rank subnets better than/);
  // τ 0.7 above FLOPs, but the interval reaches down to 0.4: not shown better.
  appendEvents(m, [rankingEvent(2, { kendallTau: 0.7, kendallTauInterval: [0.4, 0.9] })]);
  assert.match(latestRankingWarning(m.ranking)!, /does not show the supernet ranking/);
  // The interval clears the baseline: no warning.
  appendEvents(m, [rankingEvent(3, { kendallTau: 0.7, kendallTauInterval: [0.5, 0.85] })]);
  assert.equal(latestRankingWarning(m.ranking), undefined);
});

void test("a run folder's texts: only the ranking lines are read, torn ones skipped", () => {
  const steps = Array.from({ length: 50 }, (_, i) =>
    JSON.stringify({ type: 'step', time: i, step: i, lr: 0.1, losses: [], gradVariance: {} }),
  );
  const events =
    [steps.join('\n'), jsonLines([rankingEvent(1)]), jsonLines([rankingEvent(2)])].join('\n') +
    '{"type":"ranking","time":9,"epoch":3,"tab';
  const state = rankingOfRunTexts(events, JSON.stringify(rankFile()));
  assert.deepEqual(state.series.epoch, [1, 2]);
  assert.equal(state.check?.figures?.subnets, 2, 'rank.json is read too');
  assert.equal(latestRanking(state)?.source, 'epoch');
  assert.equal(latestRanking(rankingOfRunTexts(undefined, '{"torn'))?.source, undefined);
  assert.equal(latestRanking(rankingOfRunTexts('', JSON.stringify(rankFile())))?.source, 'check');
});

void test('the Ranking tab is one the host may open; a model travels with its rankings', () => {
  assert.ok(isDashboardTab('ranking'));
  const m = emptyModel('r1');
  appendEvents(m, [rankingEvent(1)]);
  const run = { runId: 'r1', runDir: '/runs/r1', label: 'r1', model: m };
  // What the panel posts is what the page checks: a model without its rankings is refused.
  const posted: InitMessage = JSON.parse(
    JSON.stringify({ type: 'init', mode: 'run', runs: [run], smoothing: 0 }),
  );
  assert.ok(isHostMessage(posted));
  assert.equal(latestRanking(posted.runs[0].model.ranking)?.points.length, 3);
  assert.ok(isHostMessage({ type: 'showTab', tab: 'ranking' }));
  const older: Partial<typeof m> = { ...m };
  delete older.ranking;
  assert.ok(!isHostMessage({ ...posted, runs: [{ ...run, model: older }] }));
});

void test('an older ranking event (no seedAgreement): its noise ceiling was seed vs seed, read as the ceiling of the two-seed mean', () => {
  const m = emptyModel('r1');
  appendEvents(m, [rankingEvent(1, { seedAgreement: undefined, noiseCeiling: 0.71 })]);
  // (2/π)·asin(√(2r/(1 + r))), r = sin(π·0.71/2): 0.851 (truthCeiling.test.ts).
  assert.ok(Math.abs(m.ranking.series.noiseCeiling[0]! - 0.85109) < 1e-4);
  assert.equal(m.ranking.last?.figures.seedAgreement, 0.71);
});

void test('the verdict against the best cheap baseline, from its paired interval', () => {
  const m = emptyModel('r1');
  const best = { name: 'params', kendallTau: 0.6 };
  const baselines = [{ name: 'macs', kendallTau: 0.5 }, best];
  appendEvents(m, [
    rankingEvent(1, { baselines, bestBaseline: best, baselineAdvantageInterval: [-0.1, 0.3] }),
  ]);
  const warning = latestRankingWarning(m.ranking);
  assert.match(
    warning ?? '',
    /does not show the supernet ranking subnets better than their parameter counts do/,
  );
  assert.match(warning ?? '', /-0\.10…0\.30/);
  appendEvents(m, [
    rankingEvent(2, { baselines, bestBaseline: best, baselineAdvantageInterval: [0.05, 0.3] }),
  ]);
  assert.equal(latestRankingWarning(m.ranking), undefined, 'clears the best baseline: no warning');
});

void test('ranking stability per epoch: a resume replaces the epochs it redoes; the words follow the last', () => {
  const m = emptyModel('r1');
  appendEvents(m, [stabilityEvent(1, null), stabilityEvent(2, 0.7), stabilityEvent(3, 0.9)]);
  assert.deepEqual(
    m.ranking.stability.map((p) => [p.epoch, p.kendallTau, p.settled]),
    [
      [1, null, false],
      [2, 0.7, false],
      [3, 0.9, true],
    ],
  );
  assert.match(
    stabilityWords(lastStability(m.ranking)) ?? '',
    /has settled: 20 probe subnets kept their order between epochs 2 and 3 \(τ 0\.90 ≥ 0\.85\)/,
  );
  // Resumed after epoch 1: its epoch 2 is redone.
  appendEvents(m, [stabilityEvent(2, null)]);
  assert.deepEqual(
    m.ranking.stability.map((p) => p.epoch),
    [1, 2],
  );
  assert.match(
    stabilityWords(lastStability(m.ranking)) ?? '',
    /scored at epoch 2; from the next epoch on/,
  );
  // Read back from the run's texts as the tree does.
  const state = rankingOfRunTexts(
    jsonLines([stabilityEvent(1, null), stabilityEvent(2, 0.5)]),
    undefined,
  );
  assert.equal(lastStability(state)?.kendallTau, 0.5);
});

void test('the details name every baseline, the agreement of two seeds and the quality at the top', () => {
  const m = emptyModel('r1');
  const topEnd = {
    topQuarterTau: 0.5,
    precisionAtK: { k: 4, precision: 0.75 },
    regrets: [
      { macs: 90_000, candidates: 5, picked: 0.86, best: 0.874, regret: 0.014 },
      { macs: 1_130_000, candidates: 9, picked: 0.9, best: 0.9, regret: 0 },
    ],
    frontShare: 0.9,
  };
  const baselines = [
    { name: 'macs', kendallTau: 0.79 },
    { name: 'naswot', kendallTau: 0.76 },
  ];
  appendEvents(m, [rankingEvent(1, { topEnd, baselines, bestBaseline: baselines[0] })]);
  const details = rankingDetails(latestRanking(m.ranking)!) ?? '';
  assert.match(
    details,
    /among the best quarter alone its order has τ 0\.50, and it finds 3 of the 4 best/,
  );
  assert.match(details, /miss the best by 1\.4 and 0\.0 points under 90k MACs and 1\.13M MACs/);
  assert.match(details, /reaches 90\.0% of the true front's hypervolume/);
  assert.match(
    details,
    /cheap baselines: macs τ 0\.79, naswot τ 0\.76; two stand-alone seeds agree with τ 0\.70/,
  );
});
