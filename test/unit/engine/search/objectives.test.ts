import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseConstraint, type Constraint } from '#shared/constraints';
import {
  objectiveBounds,
  objectivesOf,
  scaledReferencePoint,
  scoreOf,
  unmeetableConstraint,
  violation,
} from '../../../../server/src/engine/search/objectives';
import type { Objective } from '#shared/metrics';
import { bestUnder, parseBestUnder } from '../../../../server/src/engine/run/exportRun';
import type { Candidate } from '#shared/runFolder/records';

const c = (text: string): Constraint => {
  const k = parseConstraint(text);
  if (typeof k === 'string') throw new Error(k);
  return k;
};
const AF: Objective[] = [
  { name: 'accuracy', direction: 'max' },
  { name: 'flops', direction: 'min' },
];

void describe('search objectives', () => {
  void test('scores negate maximised objectives and scale to the space bounds', () => {
    const m = { accuracy: 0.8, flops: 300, params: 10 };
    assert.deepEqual(scoreOf(m, AF, []).objectives, [-0.8, 300]);
    const bounds = objectiveBounds(AF, { flops: [100, 500], params: [1, 20] });
    assert.deepEqual(bounds, [
      [-1, -0],
      [100, 500],
    ]);
    const s = scoreOf(m, AF, [], bounds).objectives;
    assert.ok(Math.abs(s[0] - 0.2) < 1e-12);
    assert.equal(s[1], 0.5);
    assert.deepEqual(scaledReferencePoint(AF), [1.1, 1.1]);
  });

  void test('violation sums relative excesses; met constraints add nothing', () => {
    const m = { accuracy: 0.7, flops: 300_000, params: 60_000 };
    assert.equal(violation(m, [c('flops <= 400k')]), 0);
    assert.equal(violation(m, [c('flops <= 200k')]), 0.5);
    assert.ok(
      Math.abs(violation(m, [c('flops <= 200k'), c('accuracy >= 0.8')]) - (0.5 + 0.125)) < 1e-12,
    );
    // Sitting exactly on a strict bound is a (tiny) violation, not feasibility.
    assert.ok(violation(m, [c('params < 60k')]) > 0);
    assert.throws(() => violation(m, [c('latency <= 1ms')]), /no latency measurement/);
  });

  void test('a constraint beyond the space is reported with the achievable value', () => {
    const ranges = {
      flops: [16_000, 900_000] as [number, number],
      params: [5_000, 80_000] as [number, number],
      latency: [0.07, 0.2] as [number, number],
    };
    assert.equal(unmeetableConstraint([c('flops <= 400k')], ['flops <= 400k'], ranges), undefined);
    assert.match(
      unmeetableConstraint([c('flops <= 10k')], ['flops <= 10k'], ranges) ?? '',
      /'flops <= 10k'.*smallest subnet.*16k MACs/,
    );
    assert.match(
      unmeetableConstraint([c('params >= 100k')], ['params >= 100k'], ranges) ?? '',
      /largest subnet.*80k parameters/,
    );
    assert.match(
      unmeetableConstraint([c('latency < 0.05ms')], ['latency < 0.05ms'], ranges) ?? '',
      /0\.070 ms/,
    );
    assert.equal(
      unmeetableConstraint([c('accuracy >= 0.99')], ['accuracy >= 0.99'], ranges),
      undefined,
    );
  });
});

void describe('export --best-under', () => {
  const cand = (key: string, accuracy: number, flops: number): Candidate => ({
    key,
    arch: { resolution: 28, stages: [] },
    accuracy,
    loss: 1,
    flops,
    params: flops / 10,
    checkpointStep: 0,
    source: 't',
    generation: 0,
    time: 0,
  });
  const all = [
    cand('a', 0.8, 100e3),
    cand('b', 0.85, 250e3),
    cand('c', 0.85, 200e3),
    cand('d', 0.9, 500e3),
  ];

  void test('shorthand bounds mean at most for costs and at least for accuracy', () => {
    assert.deepEqual(parseBestUnder('flops=300k'), { metric: 'flops', op: '<=', value: 300e3 });
    assert.deepEqual(parseBestUnder('accuracy=0.8'), { metric: 'accuracy', op: '>=', value: 0.8 });
    assert.deepEqual(parseBestUnder('params < 5k'), { metric: 'params', op: '<', value: 5e3 });
    assert.equal(typeof parseBestUnder('speed=3'), 'string');
  });

  void test('picks the most accurate within the bounds, fewer FLOPs on a tie', () => {
    const best = bestUnder(all, ['flops=300k']);
    assert.ok(typeof best !== 'string');
    assert.equal(best.key, 'c');
    const none = bestUnder(all, ['flops=50k']);
    assert.equal(typeof none, 'string');
    assert.match(none as string, /None of the 4 .*'flops=50k' \(best evaluated: 100k MACs\)/);
    assert.match(bestUnder([], ['flops=1M']) as string, /no evaluated subnets/);
  });
});

void test('a config’s `macs` objective is the engine’s `flops`, in the order written', () => {
  const search = { objectives: { macs: 'min', accuracy: 'max' } } as unknown as Parameters<
    typeof objectivesOf
  >[0];
  assert.deepEqual(objectivesOf(search), [
    { name: 'flops', direction: 'min' },
    { name: 'accuracy', direction: 'max' },
  ]);
});
