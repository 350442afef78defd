import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { commandProblem, eventProblem, parseEngineEvent } from '#shared/protocol/engine';
import {
  checkCancelParams,
  checkExportParams,
  checkFinetuneParams,
  checkResumeParams,
  checkRunsParams,
  checkSearchParams,
  checkTrainParams,
} from '#shared/protocol/lsp';

void describe('engine commands are checked on arrival', () => {
  void test('well-formed commands pass', () => {
    for (const c of [
      { type: 'start', configPath: '/a.supernet.yaml', runsDir: '/r', steps: 3 },
      { type: 'start', configPath: '', runsDir: '/r', resume: 'run-1' },
      { type: 'search', run: 'run-1', runsDir: '/r', algorithm: 'random', budget: 8, seed: 0 },
      { type: 'export', run: 'run-1', runsDir: '/r', key: 'r28-d1w8k3e1' },
      { type: 'export', run: 'run-1', runsDir: '/r', bestUnder: ['flops=1M'], file: '/x.onnx' },
      { type: 'export', run: 'run-1', runsDir: '/r', key: 'k', precision: 'float32' },
      {
        type: 'export',
        run: 'run-1',
        runsDir: '/r',
        key: 'k',
        precision: 'int8',
        calibration: 'minmax',
        maxInt8DropPoints: -1,
      },
      { type: 'export', run: 'run-1', runsDir: '/r', key: 'k', finetuned: true, precision: 'int8' },
      { type: 'finetune', run: 'run-1', runsDir: '/r', key: 'k' },
      {
        type: 'finetune',
        run: 'run-1',
        runsDir: '/r',
        key: 'k',
        epochs: 0.5,
        lr: 0.02,
        distillation: false,
      },
      { type: 'cancel' },
      { type: 'status' },
    ])
      assert.equal(commandProblem(c), undefined, JSON.stringify(c));
  });

  void test('each malformed command is refused with a reason naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [null, /^command must be a mapping whose 'type' is 'start', /],
      [[1], /^command must be a mapping/],
      [{ type: 'launch' }, /^command\.type must be one of 'start', /],
      [{ type: 'start', runsDir: '/r' }, /^start\.configPath is missing$/],
      [
        { type: 'start', configPath: 'a', runsDir: '/r', steps: 0 },
        /^start\.steps must be at least 1 \(it is 0\)$/,
      ],
      [{ type: 'search', run: 'x', runsDir: '/r', algorithm: 'grid' }, /algorithm/],
      [{ type: 'search', run: 'x', runsDir: '/r', budget: 2.5 }, /budget/],
      [{ type: 'search', run: 'x', runsDir: '/r', seed: -1 }, /seed/],
      [{ type: 'export', run: 'x', runsDir: '/r' }, /exactly one of `key` and `bestUnder`/],
      [{ type: 'export', run: 'x', runsDir: '/r', key: 'k', bestUnder: [] }, /exactly one/],
      [{ type: 'export', run: 'x', runsDir: '/r', bestUnder: [3] }, /bestUnder/],
      [{ type: 'export', run: 'x', runsDir: '/r', key: 'k', precision: 'int4' }, /precision/],
      [
        { type: 'export', run: 'x', runsDir: '/r', key: 'k', precision: 'int8', calibration: 'kl' },
        /calibration/,
      ],
      [
        {
          type: 'export',
          run: 'x',
          runsDir: '/r',
          key: 'k',
          precision: 'int8',
          maxInt8DropPoints: '1',
        },
        /maxInt8DropPoints/,
      ],
      [
        { type: 'export', run: 'x', runsDir: '/r', key: 'k', calibration: 'minmax' },
        /need `precision` int8/,
      ],
      [
        { type: 'export', run: 'x', runsDir: '/r', key: 'k', finetuned: 'yes' },
        /^export\.finetuned must be true or false$/,
      ],
      [{ type: 'finetune', run: 'x', runsDir: '/r' }, /^finetune\.key is missing$/],
      [
        { type: 'finetune', run: 'x', runsDir: '/r', key: 'k', epochs: 0 },
        /^finetune\.epochs must be above 0 \(it is 0\)$/,
      ],
      [
        { type: 'finetune', run: 'x', runsDir: '/r', key: 'k', lr: -1 },
        /^finetune\.lr must be above 0 \(it is -1\)$/,
      ],
      [
        { type: 'finetune', run: 'x', runsDir: '/r', key: 'k', distillation: 1 },
        /^finetune\.distillation must be true or false$/,
      ],
    ];
    for (const [c, why] of cases)
      assert.match(commandProblem(c) ?? '(accepted)', why, JSON.stringify(c));
  });

  void test('an event is checked in every field, and what is wrong is named', () => {
    const ok = (x: unknown) => parseEngineEvent(x) !== undefined;
    assert.ok(ok({ type: 'log', time: 1, level: 'info', message: 'x' }));
    assert.ok(
      ok({
        type: 'candidate',
        time: 1,
        generation: 0,
        cached: false,
        candidate: { key: 'k', accuracy: 0.5, flops: 1, params: 1, feasible: true },
      }),
    );
    const step = {
      type: 'step',
      time: 1,
      step: 3,
      epoch: 0.1,
      lr: 0.05,
      losses: [{ role: 'largest', loss: 2.1, flops: 1e6 }],
      imagesPerSec: 900,
      gradVariance: { total: 0.01, stages: [0.02, 0.005] },
    };
    assert.ok(ok(step));
    const cases: [unknown, RegExp][] = [
      [
        { type: 'candidate', time: 1, generation: 0, candidate: {} },
        /^event\.candidate\.key is missing$/,
      ],
      [{ type: 'step', time: 1, step: 1 }, /^event\.epoch is missing$/],
      [{ type: 'nope', time: 1 }, /^event\.type must be one of 'run-start', 'step'/],
      [{ type: 'log', level: 'info', message: 'no time' }, /^event\.time is missing$/],
      // Fields the old check never looked at: a step's subnet role, a stage's variance.
      [
        { ...step, losses: [{ role: 'biggest', loss: 2, flops: 1 }] },
        /^event\.losses\[0\]\.role must be one of 'largest', 'smallest', 'random'$/,
      ],
      [
        { ...step, gradVariance: { total: 0, stages: ['x'] } },
        /^event\.gradVariance\.stages\[0\] must be a number$/,
      ],
      [{ type: 'finetune-step', time: 1, step: 3, loss: 0.5, lr: 0.01 }, /^event\.key is missing$/],
      [{ type: 'finetune-start', time: 1, runId: 'r', key: 'k' }, /^event\.dir is missing$/],
      [
        { type: 'finetune-end', time: 1, key: 'k', status: 'done', step: 0, seconds: 1 },
        /^event\.status must be one of 'completed', 'cancelled', 'failed'$/,
      ],
    ];
    for (const [x, why] of cases) {
      assert.equal(parseEngineEvent(x), undefined, JSON.stringify(x));
      assert.match(eventProblem(x) ?? '(accepted)', why, JSON.stringify(x));
    }
  });

  void test('a figure JSON wrote as null (NaN) reads back as NaN; a count never may be null', () => {
    const line = JSON.stringify({
      type: 'step',
      time: 1,
      step: 3,
      epoch: 0.1,
      lr: 0.05,
      losses: [{ role: 'random', loss: NaN, flops: 1e6 }],
      distillLoss: Infinity,
      imagesPerSec: 900,
      gradVariance: { total: NaN, stages: [NaN, 0.5] },
    });
    assert.match(line, /"loss":null/);
    const e = parseEngineEvent(JSON.parse(line));
    assert.ok(e?.type === 'step');
    assert.ok(Number.isNaN(e.losses[0].loss));
    assert.ok(Number.isNaN(e.distillLoss));
    assert.ok(Number.isNaN(e.gradVariance.total));
    assert.deepEqual(e.gradVariance.stages.slice(1), [0.5]);
    assert.ok(Number.isNaN(e.gradVariance.stages[0]));
    assert.match(
      eventProblem({ ...JSON.parse(line), step: null }) ?? '(accepted)',
      /^event\.step must be a number$/,
    );
    // A stability τ is null by meaning at the first epoch: it stays null.
    const first = parseEngineEvent({
      type: 'stability',
      time: 1,
      epoch: 1,
      step: 10,
      probe: 12,
      kendallTau: null,
      settled: false,
      seconds: 0.4,
    });
    assert.ok(first?.type === 'stability' && first.kendallTau === null);
  });
});

void describe('LSP run requests are checked on arrival', () => {
  void test('good parameters pass and bad ones say what is wrong', () => {
    assert.equal(checkTrainParams({ configPath: '/a.yaml', runsDir: '/r', steps: 5 }), undefined);
    assert.match(
      checkTrainParams({ configPath: '/a.yaml' }) ?? '',
      /^supernet\/train\.runsDir is missing$/,
    );
    assert.match(checkTrainParams({ configPath: '/a', runsDir: '/r', steps: -2 }) ?? '', /steps/);
    assert.match(checkTrainParams('train please') ?? '', /^supernet\/train must be a mapping/);
    assert.equal(checkResumeParams({ runId: 'r1', runsDir: '/r' }), undefined);
    assert.match(checkResumeParams({ runId: '', runsDir: '/r' }) ?? '', /runId/);
    assert.equal(checkSearchParams({ run: 'r1', runsDir: '/r', budget: 8 }), undefined);
    assert.match(
      checkSearchParams({ run: 'r1', runsDir: '/r', algorithm: 'x' }) ?? '',
      /algorithm/,
    );
    assert.match(checkSearchParams({ run: 'r1', runsDir: '/r', seed: 1.5 }) ?? '', /seed/);
    assert.equal(checkExportParams({ run: 'r1', runsDir: '/r', key: 'k' }), undefined);
    assert.match(checkExportParams({ run: 'r1', runsDir: '/r' }) ?? '', /key/);
    assert.match(checkExportParams({ run: 'r1', runsDir: '/r', key: 'k', file: 3 }) ?? '', /file/);
    assert.equal(
      checkExportParams({ run: 'r1', runsDir: '/r', key: 'k', precision: 'int8' }),
      undefined,
    );
    assert.match(
      checkExportParams({ run: 'r1', runsDir: '/r', key: 'k', precision: 'fp16' }) ?? '',
      /precision/,
    );
    assert.equal(
      checkExportParams({ run: 'r1', runsDir: '/r', key: 'k', finetuned: true }),
      undefined,
    );
    assert.match(
      checkExportParams({ run: 'r1', runsDir: '/r', key: 'k', finetuned: 1 }) ?? '',
      /finetuned/,
    );
    assert.equal(checkFinetuneParams({ run: 'r1', runsDir: '/r', key: 'k', epochs: 3 }), undefined);
    assert.match(
      checkFinetuneParams({ run: 'r1', runsDir: '/r' }) ?? '',
      /^supernet\/finetune\.key is missing$/,
    );
    assert.match(
      checkFinetuneParams({ run: 'r1', runsDir: '/r', key: 'k', epochs: -1 }) ?? '',
      /epochs/,
    );
    assert.equal(checkCancelParams({ jobId: 'train-1' }), undefined);
    assert.match(checkCancelParams({}) ?? '', /jobId/);
    assert.equal(checkRunsParams({ runsDir: '/r' }), undefined);
    assert.match(checkRunsParams({ runsDir: 7 }) ?? '', /runsDir/);
  });
});
