import test from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { latestRanking } from '#shared/charts/latestRanking';
import { rankingOfRunTexts } from '#shared/charts/runRanking';
import { rankingWarningShort } from '#shared/ranking';
import {
  rankedLabel,
  rankedTooltip,
  rankingGroupDescription,
  rankingTooltip,
  runRankingFlag,
  runRankingTooltip,
  sortRanked,
} from '../../../../client/src/tree/rankingTreeModel';
import { readRunRanking } from '../../../../client/src/tree/runRanking';
import { readRunFolder } from '../../../../client/src/dashboard/runFolderReader';
import { jsonLines, rankFile, rankingEvent, stabilityEvent } from '../../dashboard/rankingFixtures';
import { stabilityShort, stabilityWords } from '#shared/charts/stabilityWords';

const latestOf = (events: unknown[], rank?: unknown) =>
  latestRanking(
    rankingOfRunTexts(jsonLines(events), rank === undefined ? undefined : JSON.stringify(rank)),
  );

void test('a run whose τ is not above the MACs τ says so on its line and in its tooltip', () => {
  const bad = latestOf([rankingEvent(1)])!;
  assert.equal(runRankingFlag(bad), '⚠ ranks no better than MACs');
  assert.match(runRankingTooltip(bad)!, /^This supernet does not yet rank subnets better/);
  assert.equal(rankingGroupDescription(bad), 'τ 0.30 · by MACs 0.45 · epoch 1');
  assert.equal(
    rankingTooltip(bad).split('\n')[0],
    'Epoch 1 (step 100) against ranking-ref',
    'where the figures come from, first',
  );
  assert.match(rankingTooltip(bad), /noise ceiling 0\.80\n\nThis supernet does not yet/);

  const unsure = latestOf([rankingEvent(1, { kendallTau: 0.6, kendallTauInterval: [0.3, 0.8] })])!;
  assert.equal(runRankingFlag(unsure), '⚠ not shown to rank better than MACs');

  const good = latestOf([rankingEvent(1, { kendallTau: 0.7, kendallTauInterval: [0.6, 0.8] })])!;
  assert.equal(runRankingFlag(good), undefined);
  assert.equal(runRankingTooltip(good), undefined);
  assert.doesNotMatch(rankingTooltip(good), /MACs do/);
  assert.equal(runRankingFlag(undefined), undefined);
});

void test('a check without a MACs baseline (older rank.json) warns of nothing', () => {
  const old = latestOf([], rankFile({ flopsKendallTau: undefined, kendallTauInterval: undefined }));
  assert.equal(old?.source, 'check');
  assert.equal(runRankingFlag(old), undefined);
  assert.equal(rankingGroupDescription(old!), 'τ 1.00 · Check Ranking');
  assert.equal(rankingWarningShort(old!.figures), undefined);
});

void test("the Ranking group's subnets: the supernet's order, both accuracies in the label", () => {
  const r = latestOf([rankingEvent(1)])!;
  const sorted = sortRanked(r.points);
  assert.deepEqual(
    sorted.map((p) => p.key),
    ['b', 'c', 'a'],
  );
  assert.equal(rankedLabel(sorted[0]), 'supernet 75.0% · alone 84.0% · 1M MACs');
  const check = latestOf([], rankFile())!;
  assert.match(rankedTooltip(check.points[0]), /^x\n.*supernet's weights 60\.0%\n.*alone 70\.0%/);
  assert.match(rankedTooltip(check.points[0]), /10k params$/);
});

void test('readRunRanking reads a run folder again only when one of its files changed', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tree-rank-'));
  try {
    const events = path.join(dir, 'events.jsonl');
    assert.deepEqual(await readRunRanking(dir), {}, 'an empty folder has no ranking');
    writeFileSync(path.join(dir, 'rank.json'), JSON.stringify(rankFile()));
    assert.equal((await readRunRanking(dir)).latest?.source, 'check');
    writeFileSync(events, jsonLines([rankingEvent(1)]));
    assert.equal((await readRunRanking(dir)).latest?.source, 'epoch');
    appendFileSync(events, jsonLines([rankingEvent(2), stabilityEvent(2, 0.62)]));
    // The same size and time again would be taken as unchanged; a new line changes both.
    utimesSync(events, new Date(), new Date(Date.now() + 5000));
    const { latest: r, stability } = await readRunRanking(dir);
    assert.equal(r?.source === 'epoch' ? r.epoch : undefined, 2);
    assert.deepEqual(stability, { epoch: 2, probe: 20, kendallTau: 0.62, settled: false });
    assert.equal(stabilityShort(stability), 'ranking still moving');
    assert.match(
      stabilityWords(stability) ?? '',
      /still moving \(τ 0\.62 between epochs 1 and 2 .*below 0\.85\): train on/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('the dashboard reads rank.json with the events: the Ranking tab needs no live job', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dash-rank-'));
  try {
    writeFileSync(path.join(dir, 'rank.json'), JSON.stringify(rankFile()));
    let { model } = await readRunFolder(dir);
    assert.equal(latestRanking(model.ranking)?.source, 'check');
    writeFileSync(path.join(dir, 'events.jsonl'), jsonLines([rankingEvent(1), rankingEvent(2)]));
    ({ model } = await readRunFolder(dir));
    assert.deepEqual(model.ranking.series.epoch, [1, 2]);
    assert.equal(model.ranking.check?.figures?.subnets, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
