import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummary } from '#shared/runFolder/runSummary';
import { lastByKey, parseJsonLines } from '#shared/runFolder/jsonl';
import { parseCandidate, parseParetoFront } from '#shared/runFolder/records';
import { sortRuns, summarise } from '#shared/runs/summarise';
import {
  resumableRuns,
  runDescription,
  runIcon,
  sortSubnets,
  subnetLabel,
  subnetRows,
  subnetTooltip,
} from '../../../../client/src/tree/runTreeModel';

/** candidates.jsonl read as the tree reads it: the run folder's reader, the last line of a key. */
function parseCandidates(text: string) {
  const { records, skipped } = parseJsonLines(text, parseCandidate);
  return { rows: subnetRows([...lastByKey(records).values()], []).all, skipped, records };
}

const arch = (r: number, w: number) => ({
  resolution: r,
  stages: [{ depth: 1, width: w, blocks: [{ kernel: 3, expand: 2 }] }],
});

// Lines as the engine's CandidateStore writes them; the last one was torn by a killed search.
const line = (key: string, accuracy: number, flops: number, params: number, latency?: number) =>
  JSON.stringify({
    key,
    arch: arch(Number(key.slice(1, 3)), 16),
    accuracy,
    loss: 0.5,
    flops,
    params,
    ...(latency === undefined ? {} : { latency }),
    checkpointStep: 1875,
    source: 'search-1',
    generation: 0,
    time: 1760000000000,
  });
const CANDIDATES = [
  line('r28-d1w16k3e2', 0.8663, 312_000, 41_200, 0.1234),
  line('r20-d1w16k3e2', 0.8012, 160_000, 41_200),
  line('r24-d1w16k3e2', 0.8431, 230_000, 41_200, 0.09),
  '',
  line('r20-d1w16k3e2', 0.8105, 160_000, 41_200, 0.05),
  '{"key":"r24-d1w24k5e3","arch":{"resolution":24,"stages":[{"dep',
].join('\n');

const PARETO = JSON.stringify({
  version: 1,
  runId: '20250101-120000-tiny',
  front: [
    {
      key: 'r28-d1w16k3e2',
      accuracy: 0.8663,
      flops: 312_000,
      params: 41_200,
      latency: 0.1234,
      feasible: true,
    },
    {
      key: 'r20-d1w16k3e2',
      accuracy: 0.8105,
      flops: 160_000,
      params: 41_200,
      latency: 0.05,
      feasible: true,
    },
  ],
});

void describe('candidates.jsonl', () => {
  void test('reads every whole line, skips the torn one, keeps the last line of a key', () => {
    const { rows, skipped } = parseCandidates(CANDIDATES);
    assert.equal(skipped, 1);
    assert.deepEqual(
      rows.map((r) => r.key),
      ['r28-d1w16k3e2', 'r20-d1w16k3e2', 'r24-d1w16k3e2'],
    );
    const r20 = rows.find((r) => r.key === 'r20-d1w16k3e2');
    assert.equal(r20?.accuracy, 0.8105);
    assert.equal(r20?.latency, 0.05);
    assert.deepEqual(rows[0].arch, arch(28, 16));
  });

  void test('a line with a missing figure is skipped, not shown as NaN', () => {
    const { rows, skipped } = parseCandidates(
      '{"key":"r28-d1w16k3e2","arch":{"resolution":28,"stages":[]},"accuracy":0.5,"flops":1}\n',
    );
    assert.equal(rows.length, 0);
    assert.equal(skipped, 1);
  });
});

void describe('pareto.json', () => {
  void test('reads the front and marks its members among the candidates', () => {
    const front = parseParetoFront(JSON.parse(PARETO));
    assert.ok(front);
    const { records } = parseCandidates(CANDIDATES);
    const rows = subnetRows([...lastByKey(records).values()], front);
    assert.equal(rows.front.length, 2);
    assert.ok(rows.front.every((r) => r.onFront && r.feasible));
    assert.deepEqual(
      rows.all.filter((r) => r.onFront).map((r) => r.key),
      ['r28-d1w16k3e2', 'r20-d1w16k3e2'],
    );
    // The front's entries lack their arch; candidates.jsonl has it.
    assert.deepEqual(rows.front[1].arch, arch(20, 16));
  });

  void test('a file that is not a front is no front', () => {
    assert.equal(parseParetoFront(undefined), undefined);
    assert.equal(parseParetoFront({ runId: 'x' }), undefined);
  });
});

void describe('sorting', () => {
  const rows = parseCandidates(CANDIDATES).rows;
  const keys = (by: Parameters<typeof sortSubnets>[1]) => sortSubnets(rows, by).map((r) => r.key);

  void test('accuracy: most accurate first', () => {
    assert.deepEqual(keys('accuracy'), ['r28-d1w16k3e2', 'r24-d1w16k3e2', 'r20-d1w16k3e2']);
  });

  void test('FLOPs: cheapest first', () => {
    assert.deepEqual(keys('flops'), ['r20-d1w16k3e2', 'r24-d1w16k3e2', 'r28-d1w16k3e2']);
  });

  void test('params tie: the more accurate first', () => {
    assert.deepEqual(keys('params'), ['r28-d1w16k3e2', 'r24-d1w16k3e2', 'r20-d1w16k3e2']);
  });

  void test('latency: fastest first, unmeasured last', () => {
    const noLatency = rows.map((r) =>
      r.key === 'r24-d1w16k3e2' ? { ...r, latency: undefined } : r,
    );
    assert.deepEqual(
      sortSubnets(noLatency, 'latency').map((r) => r.key),
      ['r20-d1w16k3e2', 'r28-d1w16k3e2', 'r24-d1w16k3e2'],
    );
  });

  void test('does not reorder its input', () => {
    sortSubnets(rows, 'flops');
    assert.equal(rows[0].key, 'r28-d1w16k3e2');
  });
});

void describe('labels', () => {
  void test('subnet: accuracy (inherited) · MACs · params · latency in human units', () => {
    const [row] = parseCandidates(CANDIDATES).rows;
    assert.equal(subnetLabel(row), 'inherited 86.6% · 312k MACs · 41.2k params · 0.12 ms');
  });

  void test('subnet without a measured latency leaves it out', () => {
    const row = { key: 'k', accuracy: 0.9, flops: 2_500_000, params: 1_000, onFront: false };
    assert.equal(subnetLabel(row), 'inherited 90.0% · 2.5M MACs · 1k params');
  });

  void test('a subnet shows its best-trained figure, labelled; the tooltip lists every kind', () => {
    const { records } = parseCandidates(CANDIDATES);
    const key = 'r20-d1w16k3e2';
    const finetune = {
      version: 1 as const,
      runId: 'run',
      key,
      arch: arch(20, 16),
      flops: 160_000,
      params: 41_200,
      epochs: 3,
      steps: 2529,
      lr: 0.02,
      sourceStep: 1875,
      sourceSha256: 'abc',
      inherited: { accuracy: 0.8105, loss: 0.6 },
      finetuned: { accuracy: 0.8501, loss: 0.4 },
      seconds: 61,
      time: '',
    };
    const standalone = [
      { recipe: 'r', key, epochs: 1, accuracy: 0.82, loss: 0.5, images: 1, seconds: 9, time: '' },
      {
        recipe: 'r',
        key: 'r28-d1w16k3e2',
        epochs: 2,
        accuracy: 0.88,
        loss: 0.4,
        images: 1,
        seconds: 9,
        time: '',
      },
    ];
    const all = subnetRows([...lastByKey(records).values()], [], {
      finetunes: [finetune],
      standalone,
    }).all;
    const byKey = new Map(all.map((r) => [r.key, r]));
    // Fine-tuned beats stand-alone beats inherited: the weights an export ships come first.
    assert.equal(
      subnetLabel(byKey.get(key)!),
      'fine-tuned 3 ep 85.0% · 160k MACs · 41.2k params · 0.05 ms',
    );
    assert.equal(
      subnetLabel(byKey.get('r28-d1w16k3e2')!),
      'stand-alone 2 ep 88.0% · 312k MACs · 41.2k params · 0.12 ms',
    );
    assert.equal(
      subnetLabel(byKey.get('r24-d1w16k3e2')!),
      'inherited 84.3% · 230k MACs · 41.2k params · 0.09 ms',
    );
    const tip = subnetTooltip(byKey.get(key)!);
    for (const line of [
      'inherited accuracy 81.0%',
      'stand-alone 1 ep accuracy 82.0%',
      'fine-tuned 3 ep accuracy 85.0%',
    ])
      assert.ok(tip.includes(line), `${line} in\n${tip}`);
    // The order stays the inherited accuracy's, which every subnet has.
    assert.deepEqual(
      sortSubnets(all, 'accuracy').map((r) => r.key),
      ['r28-d1w16k3e2', 'r24-d1w16k3e2', 'r20-d1w16k3e2'],
    );
    // A fine-tune of weights the run has since replaced (another checkpoint step) is not shown.
    const stale = subnetRows([...lastByKey(records).values()], [], {
      finetunes: [{ ...finetune, sourceStep: 900 }],
    }).all.find((r) => r.key === key)!;
    assert.equal(subnetLabel(stale), 'inherited 81.0% · 160k MACs · 41.2k params · 0.05 ms');
  });

  const run: RunSummary = {
    id: '20250101-120000-tiny',
    dir: '/w/.supernet/runs/20250101-120000-tiny',
    configPath: '/w/tiny.supernet.yaml',
    status: 'completed',
    backend: 'wasm',
    bestAccuracy: 0.8712,
    candidates: 3,
    hasPareto: true,
    exports: 0,
  };

  void test('run: status · backend · best accuracy', () => {
    assert.equal(runDescription(run), 'completed · wasm · 87.1%');
    assert.equal(
      runDescription({ ...run, status: 'running', step: 340, totalSteps: 1000 }),
      'running 340/1000 · wasm · 87.1%',
    );
  });

  void test("this session's crashed job shows the run as failed", () => {
    const desc = runDescription({ ...run, status: 'running' }, { status: 'failed' });
    assert.equal(desc, 'failed · wasm · 87.1%');
    assert.equal(runIcon('failed').icon, 'error');
    assert.equal(
      runDescription(run, { note: 'search failed' }),
      'completed · wasm · 87.1% · search failed',
    );
  });
});

void describe('runs', () => {
  const mk = (id: string, status: RunSummary['status'], created?: string): RunSummary => ({
    id,
    dir: `/r/${id}`,
    configPath: '',
    status,
    candidates: 0,
    hasPareto: false,
    exports: 0,
    ...(created ? { created } : {}),
  });

  void test('resumable: cancelled and failed only', () => {
    const runs = [
      mk('a', 'completed'),
      mk('b', 'cancelled'),
      mk('c', 'failed'),
      mk('d', 'running'),
    ];
    assert.deepEqual(
      resumableRuns(runs).map((r) => r.id),
      ['b', 'c'],
    );
  });

  void test('newest first', () => {
    const runs = [
      mk('20250101-1', 'completed', '2025-01-01T00:00:00Z'),
      mk('20250301-1', 'completed', '2025-03-01T00:00:00Z'),
      mk('20250201-1', 'completed', '2025-02-01T00:00:00Z'),
    ];
    assert.deepEqual(
      sortRuns(runs).map((r) => r.id),
      ['20250301-1', '20250201-1', '20250101-1'],
    );
  });

  void test('a run folder read from disk', () => {
    const s = summarise('/r/x', 'x', {
      meta: JSON.stringify({
        id: 'x',
        configPath: '/c.supernet.yaml',
        created: '2025',
        status: 'cancelled',
        backend: 'cpu',
        step: 12,
        totalSteps: 40,
      }),
      candidates: CANDIDATES,
      hasPareto: true,
    });
    assert.equal(s?.status, 'cancelled');
    assert.equal(s?.candidates, 3);
    assert.equal(s?.step, 12);
    // A run.json being replaced, and no events yet: a run, status unknown.
    assert.equal(
      summarise('/r/y', 'y', { meta: '{"status":"runn', events: '', hasPareto: false })?.status,
      'unknown',
    );
  });
});

void test('a subnet a queue worker evaluated says which, on the front and in the list', () => {
  const text = JSON.stringify({ ...JSON.parse(line('r28-d1w16k3e2', 0.8, 1, 1)), worker: 'gpu-2' });
  const [c] = parseJsonLines(text, parseCandidate).records;
  assert.equal(c.worker, 'gpu-2');
  const { front, all } = subnetRows([c], [{ key: c.key, accuracy: 0.8, flops: 1, params: 1 }]);
  assert.match(subnetTooltip(front[0]), /evaluated by worker gpu-2/);
  assert.match(subnetTooltip(all[0]), /evaluated by worker gpu-2/);
  const local = subnetRows(parseCandidates(line('r20-d1w16k3e2', 0.8, 1, 1)).records, []).all[0];
  assert.doesNotMatch(subnetTooltip(local), /worker/);
});
