import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '#shared/protocol/engine';
import { checkEventParams, type EventParams } from '#shared/protocol/lsp';
import {
  applyEvent,
  etaSeconds,
  exitReport,
  fractionDone,
  newJob,
  progressMessage,
  statusText,
  statusTooltip,
  type JobProgress,
} from '#shared/jobs/jobProgress';
import { formatDuration, formatLatency } from '#shared/format/units';
import { eventLines, type NarratedLine } from '#shared/jobs/eventLines';
import { rankingEvent } from '../dashboard/rankingFixtures';

const T0 = 1_760_000_000_000;
const fold = (p: JobProgress, events: EngineEvent[]): JobProgress =>
  events.reduce((acc, event) => applyEvent(acc, { jobId: p.jobId, kind: p.kind, event }), p);

/**
 * What one event says, as the editor's output channel and the terminal both print it: its
 * lines joined, at the most severe of their levels (undefined when it says nothing).
 */
function logLine(e: EngineEvent, kind: JobProgress['kind'] = 'train'): NarratedLine | undefined {
  const lines = eventLines(fold(newJob('j', kind, 't'), [e]), e);
  if (!lines.length) return undefined;
  const level = (['error', 'warning', 'info'] as const).find((l) =>
    lines.some((x) => x.level === l),
  )!;
  return { level, text: lines.map((x) => x.text).join('\n') };
}

const runStart = (resumedFromStep?: number): EngineEvent => ({
  type: 'run-start',
  time: T0,
  runId: 'run-1',
  runDir: '/r/run-1',
  configPath: '/c.supernet.yaml',
  backend: 'wasm',
  fellBackFrom: [],
  dataset: {
    name: 'fashion-mnist',
    source: 'debian',
    folder: '/d',
    train: 54000,
    validation: 6000,
  },
  totalSteps: 1000,
  stepsPerEpoch: 250,
  batchSize: 64,
  supernetParams: 100_000,
  seed: 1,
  ...(resumedFromStep === undefined ? {} : { resumedFromStep }),
});
const step = (n: number, seconds: number): EngineEvent => ({
  type: 'step',
  time: T0 + seconds * 1000,
  step: n,
  epoch: n / 250,
  lr: 0.1,
  losses: [],
  imagesPerSec: 812.4,
  gradVariance: { total: 0, stages: [] },
});

void describe('formatting', () => {
  void test('durations', () => {
    assert.equal(formatDuration(45), '45s');
    assert.equal(formatDuration(185), '3m 05s');
    assert.equal(formatDuration(7620), '2h 07m');
    assert.equal(formatDuration(undefined), '–');
    assert.equal(formatDuration(Infinity), '–');
  });

  void test('latency', () => {
    assert.equal(formatLatency(0.1234), '0.12 ms');
    assert.equal(formatLatency(12.34), '12.3 ms');
    assert.equal(formatLatency(250.4), '250 ms');
  });
});

void describe('training progress', () => {
  void test('ETA from the steps of this job: 100 steps in 20 s, 640 left → 128 s', () => {
    const p = fold(newJob('j', 'train', 'tiny.supernet.yaml'), [
      runStart(),
      step(260, 0),
      step(360, 20),
    ]);
    assert.equal(p.runId, 'run-1');
    assert.equal(etaSeconds(p), 128);
    assert.equal(fractionDone(p), 0.36);
    assert.equal(progressMessage(p), 'epoch 1.4/4 · step 360/1000 · 812 img/s · ETA 2m 08s');
    assert.equal(
      statusText(p),
      '$(sync~spin) epoch 1.4/4 · step 360/1000 · 812 img/s · ETA 2m 08s',
    );
  });

  void test('a resumed run: steps before this job do not make it look fast', () => {
    const p = fold(newJob('j', 'train', 't'), [runStart(900), step(901, 0), step(911, 10)]);
    // 10 steps in 10 s → 89 s for the 89 left (not 911 steps in 10 s).
    assert.equal(etaSeconds(p), 89);
  });

  void test('after one step the reported throughput gives the rate', () => {
    const p = fold(newJob('j', 'train', 't'), [runStart(), step(1, 0)]);
    // 812.4 img/s over batches of 64 → 12.69 steps/s; 999 steps left.
    assert.ok(Math.abs((etaSeconds(p) ?? 0) - 999 / (812.4 / 64)) < 1e-9);
  });

  void test('before any event: no ETA, a starting message', () => {
    const p = newJob('j', 'train', 'tiny.supernet.yaml');
    assert.equal(etaSeconds(p), undefined);
    assert.equal(fractionDone(p), undefined);
    assert.equal(progressMessage(p), 'starting tiny.supernet.yaml…');
  });
});

void describe('search progress', () => {
  const searchStart: EngineEvent = {
    type: 'search-start',
    time: T0,
    runId: 'run-1',
    algorithm: 'nsga2',
    objectives: [],
    constraints: [],
    budget: 400,
    seed: 0,
    cached: 20,
  };
  const generation = (g: number, evaluations: number, secs: number): EngineEvent => ({
    type: 'generation',
    time: T0 + secs * 1000,
    generation: g,
    evaluations,
    hypervolume: 0.41234,
    referencePoint: [0, 1],
    front: [],
    // The engine's rate from its start, warm-up included: not what the ETA uses.
    evaluationsPerSec: evaluations / secs,
  });

  void test('generation, evaluations, hypervolume and an ETA from the steady rate', () => {
    // Generation 3 ends at 90 evaluations after 55 s (mostly warm-up); generation 4 at
    // 120 after 60 s: 30 evaluations in 5 s → 280 left take 46.7 s, not 280 / 2 = 140 s.
    const p = fold(newJob('s', 'search', 'run-1'), [
      searchStart,
      generation(3, 90, 55),
      generation(4, 120, 60),
    ]);
    assert.ok(Math.abs((etaSeconds(p) ?? 0) - (280 * 5) / 30) < 1e-9);
    assert.equal(fractionDone(p), 0.3);
    assert.equal(statusText(p), '$(search) gen 4 · 120/400 evals · HV 0.4123 · ETA 47s');
  });

  void test('one generation, the first evaluation’s warm-up in it: ETA estimating, not 17 minutes', () => {
    // A 21-second search: its first generation took 20 s of warm-up for 10 evaluations.
    const p = fold(newJob('s', 'search', 'run-1'), [searchStart, generation(0, 10, 20)]);
    assert.equal(etaSeconds(p), undefined);
    assert.equal(progressMessage(p), 'gen 0 · 10/400 evals · HV 0.4123 · ETA estimating…');
  });
});

void describe('job ends', () => {
  void test('a crash reports the message; the stderr tail is for the output channel', () => {
    const p = applyEvent(newJob('j', 'train', 't'), {
      jobId: 'j',
      kind: 'train',
      runId: 'run-1',
      exit: {
        status: 'failed',
        exitCode: 1,
        signal: null,
        message: 'the engine exited without ending the run',
        stderrTail: ['RangeError: out of memory'],
      },
    });
    assert.ok(p.exit);
    const r = exitReport(p, p.exit);
    assert.equal(r.level, 'error');
    assert.equal(r.message, 'Training run-1 failed: the engine exited without ending the run');
  });

  void test('killed by a signal without a message', () => {
    const p = newJob('j', 'search', 'run-1');
    const r = exitReport(p, {
      status: 'failed',
      exitCode: null,
      signal: 'SIGKILL',
      stderrTail: [],
    });
    assert.equal(r.message, 'Search of run-1 failed: the engine was killed by SIGKILL');
  });

  void test('cancelled is a warning, completed names the result', () => {
    const exit = { exitCode: 0, signal: null, stderrTail: [] };
    const p = fold(newJob('j', 'train', 't'), [runStart()]);
    assert.equal(exitReport(p, { ...exit, status: 'cancelled' }).level, 'warning');
    const done = fold(p, [
      {
        type: 'epoch',
        time: T0,
        epoch: 4,
        step: 1000,
        largest: { accuracy: 0.871, loss: 0.4, flops: 1 },
        smallest: { accuracy: 0.802, loss: 0.6, flops: 1 },
        seconds: 3,
      },
    ]);
    assert.equal(
      exitReport(done, { ...exit, status: 'completed' }).message,
      'Training run-1 finished: largest subnet 87.1%, smallest 80.2%.',
    );
  });
});

void describe('output channel lines', () => {
  void test('engine log lines keep their level; steps are not logged', () => {
    assert.deepEqual(
      logLine({ type: 'log', time: T0, level: 'warning', message: 'slow backend' }),
      {
        level: 'warning',
        text: 'slow backend',
      },
    );
    assert.equal(logLine(step(1, 0)), undefined);
  });
});

void describe('an int8 export', () => {
  const event: EngineEvent = {
    type: 'export',
    time: T0,
    key: 'r20-d1w16k3e2',
    file: '/r/run-1/exports/r20-d1w16k3e2.int8.onnx',
    sidecarFile: '/r/run-1/exports/r20-d1w16k3e2.int8.onnx.json',
    bytes: 25_000,
    maxAbsDiff: 2e-5,
    onnxAccuracy: 0.801,
    latencyMs: 0.5,
    precision: 'int8',
    int8: {
      calibration: 'percentile',
      calibrationImages: 256,
      floatAccuracy: 0.803,
      int8Accuracy: 0.801,
      accuracyDropPoints: 0.2,
      maxAbsDiff: 0.3,
      agreement: 0.99,
      floatBytes: 100_000,
      latency: {
        float32: { batch1Ms: 1, batch32Ms: 20 },
        int8: { batch1Ms: 0.5, batch32Ms: 8 },
      },
      kernels: { QLinearConv: 8 },
    },
  };

  void test('its log line and its end name the precision, the drop and both latencies', () => {
    const line = logLine(event, 'export')?.text ?? '';
    assert.match(
      line,
      /^\/r\/run-1\/exports\/r20-d1w16k3e2\.int8\.onnx\nexported r20-d1w16k3e2 as int8/,
    );
    assert.match(line, /drop 0\.20 points/);
    assert.match(line, /25000 bytes, float32's 100000 \(×0\.25\)/);
    assert.match(line, /percentile on 256 training images/);
    assert.match(line, /batch 1 int8 0\.500 ms vs float32 1\.000 ms/);
    const p = fold(newJob('j', 'export', 'r20-d1w16k3e2'), [event]);
    const done = exitReport(p, { status: 'completed', exitCode: 0, signal: null, stderrTail: [] });
    assert.match(done.message, /int8, accuracy drop 0\.20 points/);
  });
});

void describe('checking supernet/event on arrival', () => {
  const ok: EventParams = { jobId: 'j', kind: 'train', event: step(1, 0) };

  void test('accepts an event or an exit', () => {
    assert.equal(checkEventParams(ok), undefined);
    assert.equal(
      checkEventParams({
        jobId: 'j',
        kind: 'export',
        exit: { status: 'completed', exitCode: 0, signal: null, stderrTail: [] },
      }),
      undefined,
    );
  });

  void test('refuses the wrong shapes', () => {
    assert.match(checkEventParams(null) ?? '', /^supernet\/event must be a mapping/);
    assert.match(checkEventParams({ ...ok, jobId: '' }) ?? '', /jobId/);
    assert.match(checkEventParams({ ...ok, kind: 'bake' }) ?? '', /kind/);
    assert.match(checkEventParams({ ...ok, event: { type: 'step' } }) ?? '', /event/);
    assert.match(checkEventParams({ jobId: 'j', kind: 'train' }) ?? '', /event/);
    assert.match(
      checkEventParams({ jobId: 'j', kind: 'train', exit: { status: 'ok' } }) ?? '',
      /status/,
    );
  });
});

void describe('a search on a worker fleet', () => {
  const worker = (id: string, state: 'idle' | 'busy') => ({
    id,
    host: id,
    pid: 1,
    version: '0.1.0',
    backend: 'wasm',
    threads: 1,
    state,
    jobsDone: 0,
    since: T0,
    seen: T0,
  });
  const start: EngineEvent = {
    type: 'search-start',
    time: T0,
    runId: 'run-1',
    algorithm: 'nsga2',
    objectives: [],
    constraints: [],
    budget: 40,
    seed: 0,
    cached: 0,
  };
  const fleet = (workers: ReturnType<typeof worker>[], message?: string): EngineEvent => ({
    type: 'executor',
    time: T0 + 1000,
    executor: 'redis://q:6379',
    workers,
    queued: 3,
    running: workers.filter((w) => w.state === 'busy').length,
    done: 5,
    evaluationsPerSec: 2.5,
    ...(message ? { message } : {}),
  });

  void test('the status bar says how many workers are busy; the tooltip has the queue', () => {
    const p = fold(newJob('j', 'search', 'run-1'), [
      start,
      fleet([worker('a', 'busy'), worker('b', 'idle'), worker('c', 'busy')]),
    ]);
    assert.match(statusText(p), /0\/40 evals · 2\/3 workers busy/);
    assert.match(
      statusTooltip(p),
      /executor redis:\/\/q:6379: 3 workers, 3 queued, 2 running, 5 done, 2\.5 evals\/s/,
    );
    assert.equal(logLine(fleet([worker('a', 'busy')])), undefined, 'counts are not logged');
  });

  void test('with no worker the search says so, and the warning reaches the log', () => {
    const why = 'No worker has connected to redis://q:6379: start one with supernet worker';
    const p = fold(newJob('j', 'search', 'run-1'), [start, fleet([], why)]);
    assert.match(statusText(p), /no worker/);
    assert.match(statusTooltip(p), /start one with supernet worker/);
    assert.deepEqual(logLine(fleet([], why)), { level: 'warning', text: why });
  });
});

void test('a ranking check that does not beat MACs ends in a warning that says so', () => {
  const end: EngineEvent = {
    type: 'rank-end',
    time: T0,
    status: 'completed',
    subnets: 8,
    kendallTau: -0.07,
    spearmanRho: -0.1,
    kendallTauInterval: [-0.6, 0.5],
    flopsKendallTau: 0.43,
    partialKendallTau: -0.3,
    seconds: 60,
  };
  const p = fold(newJob('j', 'rank', 'run-1'), [end]);
  const r = exitReport(p, { status: 'completed', exitCode: 0, signal: null, stderrTail: [] });
  assert.equal(r.level, 'warning');
  assert.match(r.message, /Kendall τ-b -0\.07 \(95% CI -0\.60…0\.50, K 8\) · by MACs 0\.43/);
  assert.match(r.message, /does not yet rank subnets better than their MACs do/);
  assert.equal(logLine(end)?.level, 'warning');
});

void test("an epoch's ranking goes to the output channel, a warning when τ is not above MACs", () => {
  const e = rankingEvent(1) as Parameters<typeof logLine>[0];
  const line = logLine(e)!;
  assert.equal(line.level, 'warning');
  assert.match(line.text, /^epoch 1 ranking against ranking-ref: Kendall τ-b 0\.30 \(95% CI/);
  assert.match(line.text, /\. This supernet does not yet rank subnets better than their MACs do/);
  const good = rankingEvent(2, { kendallTau: 0.8, kendallTauInterval: [0.6, 0.9] });
  assert.equal(logLine(good as Parameters<typeof logLine>[0])?.level, 'info');
});

void describe('a fine-tune job', () => {
  const start: EngineEvent = {
    type: 'finetune-start',
    time: T0,
    runId: 'run-1',
    key: 'r20-d1w16k3e2',
    dir: '/r/run-1/finetune/r20-d1w16k3e2',
    epochs: 1,
    totalSteps: 100,
    stepsPerEpoch: 100,
    batchSize: 64,
    lr: 0.02,
    sourceStep: 843,
    inherited: { accuracy: 0.7705, loss: 0.7 },
    backend: 'wasm',
    threads: 1,
  };
  const step = (s: number, t: number): EngineEvent => ({
    type: 'finetune-step',
    time: T0 + t,
    key: 'r20-d1w16k3e2',
    step: s,
    epoch: s / 100,
    lr: 0.01,
    loss: 0.5,
    imagesPerSec: 1000,
  });

  void test('progress names the inherited accuracy; ETA from its own steps, once steady', () => {
    // After its first step alone there is no rate yet: "estimating", not a guess.
    const first = fold(newJob('j', 'finetune', 'r20-d1w16k3e2'), [start, step(1, 0)]);
    assert.equal(etaSeconds(first), undefined);
    assert.match(progressMessage(first), /ETA estimating…$/);
    const p = fold(newJob('j', 'finetune', 'r20-d1w16k3e2'), [start, step(1, 0), step(21, 10_000)]);
    assert.equal(p.runId, 'run-1');
    assert.equal(fractionDone(p), 0.21);
    assert.equal(etaSeconds(p), 39.5);
    assert.equal(
      progressMessage(p),
      `epoch 0.21/1 · step 21/100 · inherited 77.0% · ETA ${formatDuration(39.5)}`,
    );
  });

  void test('its end names both kinds of accuracy', () => {
    const p = fold(newJob('j', 'finetune', 'r20-d1w16k3e2'), [
      start,
      {
        type: 'finetune-end',
        time: T0,
        key: 'r20-d1w16k3e2',
        status: 'completed',
        step: 100,
        seconds: 30,
        result: {
          version: 1,
          runId: 'run-1',
          key: 'r20-d1w16k3e2',
          arch: { resolution: 20, stages: [] },
          flops: 1,
          params: 1,
          epochs: 1,
          steps: 100,
          lr: 0.02,
          sourceStep: 843,
          sourceSha256: 'x',
          inherited: { accuracy: 0.7705, loss: 0.7 },
          finetuned: { accuracy: 0.829, loss: 0.5 },
          seconds: 30,
          time: '',
        },
      },
    ]);
    assert.equal(
      exitReport(p, { status: 'completed', exitCode: 0, signal: null, stderrTail: [] }).message,
      'Fine-tune of r20-d1w16k3e2 finished: inherited 77.0% → fine-tuned 1 ep 82.9%.',
    );
  });
});
