// The run manager as the editor drives it: supernet/* requests over a real LSP connection to
// dist/server.js, which runs real engine processes (dist/engine.js) on a micro config.
import { archKey } from '#shared/arch';
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import {
  CancelRequest,
  EventNotification,
  ResumeRequest,
  RunsRequest,
  TrainRequest,
  type CancelResult,
  type EventParams,
  type JobStarted,
  type RunsResult,
  type TrainParams,
} from '#shared/protocol/lsp';
import { RunPaths } from '#shared/runFolder/layout';
import { readRunSummary } from '#shared/runs/readRuns';
import { processAlive } from '#shared/runFolder/runLock';
import { resumableRuns } from '../../client/src/tree/runTreeModel';
import { startServer, type ServerHandle } from './harness';
import { JobEvents } from './runManagerEvents';
import { epochEvent, runStartEvent, stepEvent } from '../fixtures/events';

/** A few milliseconds a step: seconds per run, most of it starting the engine. */
const microConfig = (steps: number) => `name: lsp-micro
task: { validationSplit: 0.01 }
space:
  resolution: [20]
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8], kernel: [3], expand: [1], stride: 2 }
  head: { width: 8 }
train: { steps: ${steps}, batchSize: 8, checkpointEvery: 1000, sampler: { type: uniform, subnets: 1 } }
search: { bnRecalibrationBatches: 1 }
`;

const stepsOf = (ps: EventParams[]) =>
  ps.flatMap((p) => (p.event?.type === 'step' ? [p.event.step] : []));

async function connect(events: JobEvents): Promise<ServerHandle> {
  const server = await startServer();
  server.conn.onNotification(EventNotification, (p: EventParams) => events.push(p));
  return server;
}

void describe('run manager over LSP', () => {
  let dir: string;
  let runsDir: string;
  let server: ServerHandle;
  const events = new JobEvents();
  // Raw params on purpose: the server must check what arrives, typed or not.
  const request = <R>(type: { method: string }, params: unknown) =>
    server.conn.sendRequest<R>(type.method, params);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-lsp-runs-'));
    runsDir = path.join(dir, 'runs');
    writeFileSync(path.join(dir, 'micro.supernet.yaml'), microConfig(3));
    writeFileSync(path.join(dir, 'long.supernet.yaml'), microConfig(2000));
    delete process.env.SUPERNET_ENGINE_PATH;
    server = await connect(events);
  });
  after(async () => {
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  void test('refuses malformed requests with the reason, starting nothing', async () => {
    const bad: [{ method: string }, unknown, RegExp][] = [
      [
        TrainRequest,
        { configPath: 7, runsDir: '/r' },
        /supernet\/train\.configPath must be a string/,
      ],
      [
        TrainRequest,
        { configPath: '/c.yaml', runsDir: '/r', steps: 0 },
        /supernet\/train\.steps must be at least 1 \(it is 0\)/,
      ],
      [ResumeRequest, { runsDir: '/r' }, /supernet\/resume\.runId is missing/],
      [RunsRequest, null, /supernet\/runs must be a mapping/],
    ];
    for (const [method, params, reason] of bad) {
      await assert.rejects(request(method, params), (e: unknown) => {
        assert.ok(e instanceof ResponseError, String(e));
        assert.equal(e.code, -32602);
        assert.match(e.message, reason);
        return true;
      });
    }
    assert.ok(server.logs.some((l) => /refused a request: supernet\/train/.test(l.message)));
    // A job that is not running cannot be cancelled, but asking is no error.
    const r = await request<CancelResult>(CancelRequest, { jobId: 'train-nope' });
    assert.deepEqual(r, { cancelled: false });
    assert.equal(events.all.length, 0);
  });

  let runId = '';

  void test('trains: step events, then a completed exit, all under the job id', async () => {
    const params: TrainParams = {
      configPath: path.join(dir, 'micro.supernet.yaml'),
      runsDir,
      steps: 2,
    };
    const job = await request<JobStarted>(TrainRequest, params);
    assert.equal(job.kind, 'train');
    const exit = await events.exitOf(job.jobId, 60_000);
    assert.equal(exit.status, 'completed', JSON.stringify(exit));
    assert.equal(exit.exitCode, 0);
    const mine = events.of(job.jobId);
    assert.deepEqual(stepsOf(mine), [1, 2]);
    const start = mine.find((p) => p.event?.type === 'run-start');
    assert.ok(start?.event?.type === 'run-start');
    runId = start.event.runId;
    assert.equal(start.runId, runId);
    // Every event after the run announced itself carries its id; the exit comes last, once.
    const after = mine.slice(mine.indexOf(start));
    assert.ok(after.every((p) => p.kind === 'train' && p.runId === runId));
    assert.equal(mine.filter((p) => p.exit).length, 1);
    assert.ok(mine[mine.length - 1].exit);
    assert.equal(mine[mine.length - 2].event?.type, 'run-end');
  });

  void test('lists the run with its status and step', async () => {
    const { runs } = await request<RunsResult>(RunsRequest, { runsDir });
    assert.equal(runs.length, 1);
    const r = runs[0];
    assert.equal(r.id, runId);
    assert.equal(r.dir, path.join(runsDir, runId));
    assert.equal(r.configPath, path.join(dir, 'micro.supernet.yaml'));
    assert.equal(r.status, 'completed');
    assert.equal(r.step, 2);
    assert.equal(r.totalSteps, 2);
    assert.ok(typeof r.bestAccuracy === 'number' && r.bestAccuracy >= 0 && r.bestAccuracy <= 1);
    assert.equal(r.candidates, 0);
    assert.equal(r.hasPareto, false);
    assert.match(r.backend ?? '', /wasm|cpu|tensorflow/);
  });

  void test('a completed run is not resumed; it trains further only to a new total', async () => {
    const refused = await request<JobStarted>(ResumeRequest, { runsDir, runId });
    const no = await events.exitOf(refused.jobId, 60_000);
    assert.equal(no.status, 'failed');
    assert.match(no.message ?? '', /is complete \(step 2 of 2\).*--steps/);
    const job = await request<JobStarted>(ResumeRequest, { runsDir, runId, steps: 3 });
    const exit = await events.exitOf(job.jobId, 60_000);
    assert.equal(exit.status, 'completed', JSON.stringify(exit));
    const mine = events.of(job.jobId);
    assert.ok(mine.every((p) => p.runId === runId));
    const start = mine.find((p) => p.event?.type === 'run-start')?.event;
    assert.ok(start?.type === 'run-start');
    assert.equal(start.resumedFromStep, 2);
    assert.deepEqual(stepsOf(mine), [3]);
    const { runs } = await request<RunsResult>(RunsRequest, { runsDir });
    assert.equal(runs[0].step, 3);
    assert.equal(runs[0].totalSteps, 3);
  });

  void test('cancels a running job: the engine stops and the run says cancelled', async () => {
    const job = await request<JobStarted>(TrainRequest, {
      configPath: path.join(dir, 'long.supernet.yaml'),
      runsDir,
    });
    await events.next((p) => p.jobId === job.jobId && p.event?.type === 'step', 60_000, 'a step');
    const answer = await request<CancelResult>(CancelRequest, { jobId: job.jobId });
    assert.deepEqual(answer, { cancelled: true });
    const exit = await events.exitOf(job.jobId, 20_000);
    assert.equal(exit.status, 'cancelled', JSON.stringify(exit));
    assert.equal(exit.exitCode, 0);
    const lastStep = Math.max(...stepsOf(events.of(job.jobId)));
    assert.ok(lastStep < 2000);
    const { runs } = await request<RunsResult>(RunsRequest, { runsDir });
    assert.equal(runs.length, 2);
    // Newest first.
    assert.equal(runs[0].id, events.of(job.jobId).find((p) => p.runId)?.runId);
    assert.equal(runs[0].status, 'cancelled');
    assert.equal(runs[0].step, lastStep);
    assert.equal(runs[1].id, runId);
  });

  void test('summarises run folders whose logs end in a torn line', async () => {
    const other = path.join(dir, 'hand-made');
    const run = path.join(other, '20250101-000000-torn');
    mkdirSync(run, { recursive: true });
    mkdirSync(path.join(other, 'not-a-run'));
    const line = (o: object) => JSON.stringify(o);
    writeFileSync(
      path.join(run, 'events.jsonl'),
      [
        line(runStartEvent({ runId: 'torn', totalSteps: 40, configPath: '/c' })),
        line(stepEvent({ step: 1 })),
        '{"type":"step","time":1,"step":"garbled',
        line(epochEvent(1, 10, 0.5, 0.2)),
        line(epochEvent(2, 20, 0.4, 0.3)),
        line(stepEvent({ step: 21 })),
        '{"type":"step","time":1735689600000,"step":22,"lr"',
      ].join('\n'),
    );
    const candidate = (width: number) => {
      const arch = {
        resolution: 20,
        stages: [{ depth: 1, width, blocks: [{ kernel: 3, expand: 1 }] }],
      };
      return JSON.stringify({ key: archKey(arch), arch, accuracy: 0.5, flops: 1, params: 1 });
    };
    // Two subnets (one evaluated twice) and a torn line: 2 candidates.
    writeFileSync(
      path.join(run, 'candidates.jsonl'),
      [candidate(8), candidate(16), candidate(8), '{"key":'].join('\n'),
    );
    writeFileSync(path.join(run, 'pareto.json'), '{}');
    const { runs } = await request<RunsResult>(RunsRequest, { runsDir: other });
    assert.deepEqual(runs, [
      {
        id: '20250101-000000-torn',
        dir: run,
        configPath: '/c',
        // It says running, but no live process holds its lock: it was interrupted.
        status: 'interrupted',
        backend: 'cpu',
        step: 21,
        totalSteps: 40,
        bestAccuracy: 0.5,
        candidates: 2,
        hasPareto: true,
        exports: 0,
        created: '2025-01-01T00:00:00.000Z',
      },
    ]);
    const none = await request<RunsResult>(RunsRequest, { runsDir: path.join(dir, 'absent') });
    assert.deepEqual(none.runs, []);
  });
});

void describe('the editor closes mid-run', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-lsp-close-'));
    writeFileSync(path.join(dir, 'long.supernet.yaml'), microConfig(100_000));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const how of ['shutdown', 'kill'] as const) {
    void test(`server ${how === 'shutdown' ? 'shut down' : 'killed'}: the run ends cancelled with a checkpoint, and resumes`, async () => {
      const events = new JobEvents();
      const runsDir = path.join(dir, `runs-${how}`);
      const server = await connect(events);
      const job = await server.conn.sendRequest(TrainRequest, {
        configPath: path.join(dir, 'long.supernet.yaml'),
        runsDir,
      });
      const started = await events.next(
        (p) => p.jobId === job.jobId && p.event?.type === 'step' && p.event.step >= 3,
        60_000,
        'step 3',
      );
      const run = new RunPaths(path.join(runsDir, started.runId!));
      const engine = (JSON.parse(readFileSync(run.lockFile, 'utf8')) as { pid: number }).pid;
      if (how === 'shutdown') await server.conn.sendRequest('shutdown');
      await server.dispose();
      for (const t0 = Date.now(); processAlive(engine);) {
        assert.ok(Date.now() - t0 < 30_000, `engine ${engine} still runs`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const summary = await readRunSummary(run.dir);
      assert.equal(summary?.status, 'cancelled');
      assert.deepEqual(
        resumableRuns(summary ? [summary] : []).map((r) => r.id),
        [run.id],
      );
      // A new window resumes it from the editor.
      const again = await connect(new JobEvents());
      try {
        const resumed = await again.conn.sendRequest(ResumeRequest, {
          runsDir,
          runId: run.id,
          steps: (summary?.step ?? 0) + 2,
        });
        assert.equal(resumed.kind, 'train');
        for (const t0 = Date.now(); (await readRunSummary(run.dir))?.status !== 'completed';) {
          assert.ok(Date.now() - t0 < 60_000, 'the resumed run did not complete');
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await again.dispose();
      }
    });
  }
});

void describe('run manager over LSP, with an engine that crashes', () => {
  let dir: string;
  let server: ServerHandle;
  const events = new JobEvents();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-lsp-crash-'));
    const engine = path.join(dir, 'crashing-engine.js');
    writeFileSync(
      engine,
      `process.on('message', () => {
        for (let i = 1; i <= 25; i++) process.stderr.write('trace line ' + i + '\\n');
        process.stderr.write('Error: out of cheese');
        process.exit(3);
      });`,
    );
    // The server reads it at start; the variable is removed again once the server runs.
    process.env.SUPERNET_ENGINE_PATH = engine;
    try {
      server = await connect(events);
    } finally {
      delete process.env.SUPERNET_ENGINE_PATH;
    }
  });
  after(async () => {
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  void test('reports the crash as a failed exit with the exit code and the stderr tail', async () => {
    const job = await server.conn.sendRequest(TrainRequest, {
      configPath: path.join(dir, 'any.supernet.yaml'),
      runsDir: path.join(dir, 'runs'),
    });
    const exit = await events.exitOf(job.jobId);
    assert.equal(exit.status, 'failed');
    assert.equal(exit.exitCode, 3);
    assert.equal(exit.signal, null);
    assert.match(exit.message ?? '', /exit code 3/);
    assert.equal(exit.stderrTail.length, 20);
    assert.equal(exit.stderrTail[0], 'trace line 7');
    assert.equal(exit.stderrTail[19], 'Error: out of cheese');
  });
});
