import test from 'node:test';
import assert from 'node:assert/strict';
import { appendEvents, applyParetoFile, emptyModel } from '#shared/charts/chartModel';
import { parseEngineEvent } from '#shared/protocol/engine';
import { parseJsonLines } from '#shared/runFolder/jsonl';
import { runStartEvent } from '../../fixtures/events';

/** Event logs are read by the run folder's one JSON-lines reader. */
const parseEventLines = (text: string) => {
  const { records, skipped } = parseJsonLines(text, parseEngineEvent);
  return { events: records, skipped };
};

const step = (n: number, loss = 2, extra: Record<string, unknown> = {}) => ({
  type: 'step',
  time: 1000 + n,
  step: n,
  epoch: n / 10,
  lr: 0.01 * n,
  losses: [
    { role: 'largest', loss, flops: 900 },
    { role: 'smallest', loss: loss + 1, flops: 100 },
    { role: 'random', loss: 1, flops: 400 },
    { role: 'random', loss: 3, flops: 500 },
  ],
  distillLoss: 0.1,
  imagesPerSec: 500,
  gradVariance: { total: 1e-5, stages: [2e-5, 3e-6] },
  ...extra,
});
const epoch = (e: number, largest: number, smallest: number) => ({
  type: 'epoch',
  time: 2000 + e,
  epoch: e,
  step: e * 10,
  largest: { accuracy: largest, loss: 0.4, flops: 900 },
  smallest: { accuracy: smallest, loss: 0.5, flops: 100 },
  seconds: 1,
});
const runStart = runStartEvent({ runId: 'r1', totalSteps: 20 });
const lines = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join('\n');

void test('events.jsonl with a torn last line: every whole line becomes a point', () => {
  const text =
    lines([
      runStart,
      { type: 'log', time: 1, level: 'info', message: 'hello' },
      step(1, 2.5),
      step(2, 2.0),
      epoch(1, 0.8, 0.7),
      step(3, 1.5),
    ]) + '\n{"type":"step","time":5,"step":4,"lr":0.0';
  const { events, skipped } = parseEventLines(text);
  assert.equal(skipped, 1);
  const m = emptyModel('r1');
  appendEvents(m, events);
  assert.equal(m.totalSteps, 20);
  assert.deepEqual(m.steps.step, [1, 2, 3]);
  assert.deepEqual(m.steps.largest, [2.5, 2.0, 1.5]);
  assert.deepEqual(m.steps.smallest, [3.5, 3.0, 2.5]);
  assert.deepEqual(m.steps.random, [2, 2, 2], 'mean of the random subnets');
  assert.deepEqual(m.steps.distill, [0.1, 0.1, 0.1]);
  assert.deepEqual(m.steps.lr, [0.01, 0.02, 0.03]);
  assert.deepEqual(m.steps.gradTotal, [1e-5, 1e-5, 1e-5]);
  assert.deepEqual(m.steps.gradStages, [
    [2e-5, 2e-5, 2e-5],
    [3e-6, 3e-6, 3e-6],
  ]);
  assert.deepEqual(m.epochs, { epoch: [1], step: [10], largest: [0.8], smallest: [0.7] });
});

void test('lines that are JSON but not events are skipped, not trusted', () => {
  const { events, skipped } = parseEventLines(
    lines([{ type: 'step', time: 1 }, { hello: 1 }, [1, 2], step(1)]) + '\n\n',
  );
  assert.equal(events.length, 1);
  assert.equal(skipped, 3);
});

void test('a resumed run replays steps: the newer values replace, x stays ascending', () => {
  const m = emptyModel('r');
  appendEvents(m, [step(1, 3), step(2, 2.9), step(3, 2.8), step(4, 2.7)]);
  // Resumed from the checkpoint at step 2: steps 3 and 4 come again with new values.
  appendEvents(m, [step(3, 1.8), step(4, 1.7), step(5, 1.6)]);
  assert.deepEqual(m.steps.step, [1, 2, 3, 4, 5]);
  assert.deepEqual(m.steps.largest, [3, 2.9, 1.8, 1.7, 1.6]);
  assert.equal(m.steps.gradStages[0].length, 5);
  // The same live batch twice (the folder and the push both had it) changes nothing.
  appendEvents(m, [step(5, 1.6)]);
  assert.deepEqual(m.steps.step, [1, 2, 3, 4, 5]);
});

void test('a step without distillation, random subnets or stages leaves gaps', () => {
  const m = emptyModel('r');
  const bare = {
    ...step(1),
    losses: [{ role: 'largest', loss: 2, flops: 1 }],
    gradVariance: { total: 0, stages: [] },
  };
  delete (bare as Record<string, unknown>).distillLoss;
  appendEvents(m, [bare, step(2)]);
  assert.deepEqual(m.steps.random, [null, 2]);
  assert.deepEqual(m.steps.distill, [null, 0.1]);
  assert.deepEqual(m.steps.gradStages, [
    [null, 2e-5],
    [null, 3e-6],
  ]);
});

void test('sampler probabilities become one curve per choice of each decision', () => {
  const m = emptyModel('r');
  appendEvents(m, [
    { type: 'sampler', time: 1, step: 50, probabilities: { depth: [0.5, 0.5] } },
    {
      type: 'sampler',
      time: 2,
      step: 100,
      probabilities: { depth: [0.3, 0.7], kernel: [0.2, 0.8] },
    },
  ]);
  assert.deepEqual(m.sampler.step, [50, 100]);
  assert.deepEqual(m.sampler.probabilities.depth, [
    [0.5, 0.3],
    [0.5, 0.7],
  ]);
  assert.deepEqual(m.sampler.probabilities.kernel, [
    [null, 0.2],
    [null, 0.8],
  ]);
});

const cand = (key: string, accuracy: number, flops: number, generation = 0, feasible = true) => ({
  type: 'candidate',
  time: 1,
  generation,
  cached: false,
  candidate: { key, accuracy, flops, params: flops / 10, feasible },
});

void test('search events: candidates by key, hypervolume per generation, latest front', () => {
  const m = emptyModel('r');
  const front = [{ key: 'a', accuracy: 0.8, flops: 100, params: 10, feasible: true }];
  appendEvents(m, [
    {
      type: 'search-start',
      time: 1,
      runId: 'r',
      algorithm: 'nsga2',
      objectives: [
        { name: 'accuracy', direction: 'max' },
        { name: 'params', direction: 'min' },
      ],
      constraints: ['flops <= 1M'],
      budget: 10,
      seed: 0,
      cached: 0,
    },
    cand('a', 0.8, 100),
    cand('b', 0.7, 300, 0, false),
    {
      type: 'generation',
      time: 2,
      generation: 0,
      evaluations: 2,
      hypervolume: 0.5,
      referencePoint: [0, 1],
      front,
      evaluationsPerSec: 1,
    },
    cand('b', 0.75, 300, 1),
    {
      type: 'generation',
      time: 3,
      generation: 1,
      evaluations: 3,
      hypervolume: 0.6,
      referencePoint: [0, 1],
      front,
      evaluationsPerSec: 1,
    },
  ]);
  const s = m.search;
  assert.deepEqual(
    s.objectives.map((o) => o.name),
    ['accuracy', 'params'],
  );
  assert.deepEqual(s.constraints, ['flops <= 1M']);
  assert.equal(s.candidates.length, 2);
  assert.deepEqual(s.candidates[1], {
    key: 'b',
    accuracy: 0.75,
    flops: 300,
    params: 30,
    feasible: true,
    generation: 1,
  });
  assert.deepEqual(
    s.generations.map((g) => g.hypervolume),
    [0.5, 0.6],
  );
  assert.deepEqual(s.front, front);

  // A second search starts its progress over; the candidates stay.
  appendEvents(m, [
    {
      type: 'search-start',
      time: 9,
      runId: 'r',
      algorithm: 'random',
      objectives: [],
      constraints: [],
      budget: 5,
      seed: 1,
      cached: 2,
    },
  ]);
  assert.equal(s.generations.length, 0);
  assert.equal(m.search.candidates.length, 2);
  assert.deepEqual(
    m.search.objectives.map((o) => o.name),
    ['accuracy', 'params'],
  );
});

void test('pareto.json fills in what the search events lack', () => {
  const m = emptyModel('r');
  applyParetoFile(m, {
    objectives: [
      { name: 'accuracy', direction: 'max' },
      { name: 'latency', direction: 'min' },
    ],
    constraints: ['latency <= 2ms'],
    front: [{ key: 'a', accuracy: 0.9, flops: 1, params: 1, latency: 1, feasible: true }],
    history: [
      { generation: 0, evaluations: 4, hypervolume: 0.2 },
      { generation: 1, evaluations: 8, hypervolume: 'x' },
    ],
  });
  assert.deepEqual(m.search.objectives[1], { name: 'latency', direction: 'min' });
  assert.deepEqual(m.search.constraints, ['latency <= 2ms']);
  assert.equal(m.search.front.length, 1);
  assert.deepEqual(m.search.generations, [{ generation: 0, evaluations: 4, hypervolume: 0.2 }]);
  applyParetoFile(m, 'not an object');
  assert.equal(m.search.front.length, 1);
});

void test('a fleet search: the queue shows while it runs, each point says its worker', () => {
  const m = emptyModel('r');
  appendEvents(m, [
    {
      type: 'executor',
      time: 1,
      executor: 'redis://q:6379',
      workers: [
        {
          id: 'w1',
          host: 'h',
          pid: 1,
          version: '0.1.0',
          backend: 'wasm',
          threads: 1,
          state: 'busy',
          progress: '2/4 subnets',
          jobsDone: 0,
          since: 0,
          seen: 1,
        },
      ],
      queued: 2,
      running: 1,
      done: 0,
      evaluationsPerSec: 0,
    },
    {
      type: 'candidate',
      time: 2,
      generation: 0,
      cached: false,
      candidate: { key: 'a', accuracy: 0.8, flops: 1, params: 1, feasible: true, worker: 'w1' },
    },
  ]);
  assert.deepEqual(m.search.fleet?.workers, [{ id: 'w1', state: 'busy', progress: '2/4 subnets' }]);
  assert.equal(m.search.candidates[0].worker, 'w1');
  appendEvents(m, [
    {
      type: 'search-end',
      time: 3,
      status: 'completed',
      evaluations: 1,
      hypervolume: 0,
      front: [],
      seconds: 1,
    },
  ]);
  assert.equal(m.search.fleet, undefined, 'an ended search shows no queue');
});
