// Every contract described in the schema language refuses a message or record that lacks
// any one of its required fields, and names that field (#28, item 1): a valid example of
// each, then the same with each required field left out in turn.
import test from 'node:test';
import assert from 'node:assert/strict';
import { workerInfoSchema } from '#shared/executor';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { engineCommandSchema, engineEventSchema } from '#shared/protocol/engine';
import {
  cancelParamsSchema,
  exportParamsSchema,
  finetuneParamsSchema,
  rankParamsSchema,
  resumeParamsSchema,
  runsParamsSchema,
  searchParamsSchema,
  trainParamsSchema,
} from '#shared/protocol/lsp';
import { emptyModel } from '#shared/charts/chartModel';
import {
  hostMessageSchema,
  panelStateSchema,
  webviewMessageSchema,
} from '#shared/dashboard/webview';
import {
  candidateSchema,
  finetuneResultSchema,
  paretoFileSchema,
  rankedSubnetSchema,
  rankFileSchema,
  runMetaSchema,
  standaloneRecordSchema,
} from '#shared/runFolder/records';
import { canOmit, type Fields, type ObjectSchema, type Schema } from '#shared/schema/dsl';
import { problemOf } from '#shared/schema/validate';
import {
  queueTaskSchema,
  storedAloneSchema,
  storedEvaluationSchema,
} from '../../../server/src/engine/execute/queue/queueTasks';

const arch = {
  resolution: 28,
  stages: [{ depth: 1, width: 16, blocks: [{ kernel: 3, expand: 2 }] }],
};
const key = 'r28-d1w16k3e2';
const job = { format: 1, version: '0.1.0', runDir: '/runs/r1' };
const worker = {
  id: 'w1',
  host: 'h',
  pid: 1,
  version: '0.1.0',
  backend: 'wasm',
  threads: 1,
  state: 'idle',
  jobsDone: 0,
  since: 1,
  seen: 2,
};

const contracts: [string, Schema, Record<string, unknown>][] = [
  ['start', engineCommandSchema, { type: 'start', configPath: '/c.yaml', runsDir: '/r' }],
  ['search', engineCommandSchema, { type: 'search', run: 'r1', runsDir: '/r' }],
  ['export', engineCommandSchema, { type: 'export', run: 'r1', runsDir: '/r', key }],
  ['finetune', engineCommandSchema, { type: 'finetune', run: 'r1', runsDir: '/r', key }],
  ['rank', engineCommandSchema, { type: 'rank', run: 'r1', runsDir: '/r' }],
  ['worker', engineCommandSchema, { type: 'worker', queue: 'redis://h:6379' }],
  ['supernet/train', trainParamsSchema, { configPath: '/c.yaml', runsDir: '/r' }],
  ['supernet/resume', resumeParamsSchema, { runId: 'r1', runsDir: '/r' }],
  ['supernet/search', searchParamsSchema, { run: 'r1', runsDir: '/r' }],
  ['supernet/export', exportParamsSchema, { run: 'r1', runsDir: '/r', key }],
  ['supernet/finetune', finetuneParamsSchema, { run: 'r1', runsDir: '/r', key }],
  ['supernet/rank', rankParamsSchema, { run: 'r1', runsDir: '/r' }],
  ['supernet/cancel', cancelParamsSchema, { jobId: 'train-1' }],
  ['supernet/runs', runsParamsSchema, { runsDir: '/r' }],
  ['webview reveal', webviewMessageSchema, { type: 'reveal', runId: 'r1', key }],
  ['webview finetune', webviewMessageSchema, { type: 'finetune', runId: 'r1', key, int8: true }],
  ['webview error', webviewMessageSchema, { type: 'error', message: 'boom' }],
  ['panel state', panelStateSchema, { mode: 'run', runDirs: ['/runs/r1'] }],
  [
    'dashboard init',
    hostMessageSchema,
    {
      type: 'init',
      mode: 'run',
      runs: [{ runId: 'r1', runDir: '/runs/r1', label: 'r1', model: emptyModel('r1') }],
      smoothing: 0.6,
    },
  ],
  ['dashboard events', hostMessageSchema, { type: 'events', runId: 'r1', events: [] }],
  [
    'run.json',
    runMetaSchema,
    { id: 'r1', configPath: '/c.yaml', created: '2026-12-07T00:00:00Z', status: 'completed' },
  ],
  ['candidates.jsonl', candidateSchema, { key, arch, accuracy: 0.8, flops: 1000, params: 100 }],
  [
    'standalone.jsonl',
    standaloneRecordSchema,
    { recipe: 'ab', key, epochs: 1, accuracy: 0.8, loss: 0.5, images: 10, seconds: 2 },
  ],
  [
    'result.json',
    finetuneResultSchema,
    {
      version: 1,
      runId: 'r1',
      key,
      arch,
      flops: 1000,
      params: 100,
      epochs: 1,
      steps: 10,
      lr: 0.04,
      sourceStep: 12,
      sourceSha256: 'a'.repeat(64),
      inherited: { accuracy: 0.7, loss: 0.9 },
      finetuned: { accuracy: 0.8, loss: 0.6 },
      seconds: 3,
    },
  ],
  [
    'ranked subnet',
    rankedSubnetSchema,
    {
      key,
      flops: 1,
      params: 1,
      supernetAccuracy: 0.5,
      standaloneAccuracy: 0.6,
      standaloneSeconds: 1,
    },
  ],
  [
    'evaluate task',
    queueTaskSchema,
    {
      ...job,
      kind: 'evaluate',
      checkpointSha256: 'a'.repeat(64),
      checkpointStep: 3,
      archs: [arch],
    },
  ],
  [
    'train-alone task',
    queueTaskSchema,
    { ...job, kind: 'train-alone', recipe: 'ab12', configPath: '/c.yaml', arch, epochs: 1 },
  ],
  ['stored evaluation', storedEvaluationSchema, { accuracy: 0.8, loss: 0.5, worker: 'w1' }],
  [
    'stored stand-alone',
    storedAloneSchema,
    { accuracy: 0.8, loss: 0.5, worker: 'w1', images: 100 },
  ],
  ['worker registry entry', workerInfoSchema, worker],
  [
    'rank.json',
    rankFileSchema,
    {
      runId: 'r1',
      epochs: 1,
      seed: 0,
      subnets: [],
      kendallTau: 0.5,
      spearmanRho: 0.6,
    },
  ],
  [
    'pareto.json',
    paretoFileSchema,
    {
      version: 1,
      runId: 'r1',
      search: 's1',
      algorithm: 'nsga2',
      seed: 0,
      budget: 8,
      objectives: [{ name: 'accuracy', direction: 'max' }],
      constraints: [],
      referencePoint: [0, 1e6],
      hypervolume: 0.3,
      evaluations: 8,
      stopReason: 'budget',
      history: [],
      front: [{ key, arch, accuracy: 0.8, flops: 1000, params: 100, loss: 0.5 }],
      time: '2026-12-07T00:00:00Z',
    },
  ],
];

/** The object schema an example is checked against: the union's variant for its tag. */
function fieldsOf(schema: Schema, example: Record<string, unknown>): [Fields, string?] {
  if (schema.kind === 'union') {
    const variants = schema.variants as Record<string, ObjectSchema>;
    const tag = example[schema.discriminant] as string;
    return [variants[tag].fields as Fields, schema.discriminant];
  }
  assert.equal(schema.kind, 'object');
  return [(schema as ObjectSchema).fields as Fields];
}

void test('every contract: a valid example passes; without any required field it is refused by name', () => {
  for (const [name, schema, example] of contracts) {
    assert.equal(problemOf(schema, example, name), undefined, `${name}: the example`);
    const [fields, tag] = fieldsOf(schema, example);
    const required = Object.keys(fields).filter((k) => !canOmit(fields[k]));
    assert.ok(required.length > 0, name);
    for (const field of required) {
      assert.ok(field in example, `${name}: the example lacks ${field}`);
      const without = { ...example };
      delete without[field];
      const why = problemOf(schema, without, name) ?? '(accepted)';
      if (field === tag) assert.match(why, new RegExp(`^${name}\\.${field} must be one of`), name);
      else assert.equal(why, `${name}.${field} is missing`, `${name} without ${field}`);
    }
  }
});

/**
 * Engine events: the examples are the logs of a run made by release 0.1.0 (a training, a
 * search, a fine-tune: 15 of the 26 kinds), so the check is also that an old run's events
 * all still read. The other kinds are read in the engine and editor tests that make them.
 */
void test('engine events: every line of an old run’s logs reads; without a required field it is refused by name', () => {
  const run = path.resolve(__dirname, '../../../../test/fixtures/runs-0.1.0/20261207-174558-tiny');
  const logs = [
    'events.jsonl',
    'search-events.jsonl',
    'finetune/r28-d1w16k5e2-d1w32k3e3/events.jsonl',
  ];
  const firstOfKind = new Map<string, Record<string, unknown>>();
  for (const log of logs)
    for (const line of readFileSync(path.join(run, log), 'utf8').split('\n').filter(Boolean)) {
      const event = JSON.parse(line) as Record<string, unknown>;
      assert.equal(problemOf(engineEventSchema, event, 'event'), undefined, line);
      if (!firstOfKind.has(event.type as string)) firstOfKind.set(event.type as string, event);
    }
  assert.equal(firstOfKind.size, 15);
  for (const [type, event] of firstOfKind) {
    const [fields] = fieldsOf(engineEventSchema, event);
    for (const field of Object.keys(fields).filter((k) => !canOmit(fields[k]) && k !== 'type')) {
      const without = { ...event };
      delete without[field];
      assert.equal(
        problemOf(engineEventSchema, without, 'event'),
        `event.${field} is missing`,
        `${type} without ${field}`,
      );
    }
  }
});
