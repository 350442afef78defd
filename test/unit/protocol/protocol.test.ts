import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkCommand, isEngineEvent } from '#shared/protocol/engine';
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
      assert.equal(checkCommand(c), undefined, JSON.stringify(c));
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
      assert.match(checkCommand(c) ?? '(accepted)', why, JSON.stringify(c));
  });

  void test('events readers rely on are recognised; others are not', () => {
    assert.ok(isEngineEvent({ type: 'log', time: 1, level: 'info', message: 'x' }));
    assert.ok(
      isEngineEvent({
        type: 'candidate',
        time: 1,
        generation: 0,
        cached: false,
        candidate: { key: 'k', accuracy: 0.5, flops: 1, params: 1, feasible: true },
      }),
    );
    assert.ok(!isEngineEvent({ type: 'candidate', time: 1, generation: 0, candidate: {} }));
    assert.ok(!isEngineEvent({ type: 'step', time: 1, step: 1 }));
    assert.ok(!isEngineEvent({ type: 'nope', time: 1 }));
    assert.ok(
      isEngineEvent({ type: 'finetune-step', time: 1, key: 'k', step: 3, loss: 0.5, lr: 0.01 }),
    );
    assert.ok(!isEngineEvent({ type: 'finetune-step', time: 1, step: 3, loss: 0.5, lr: 0.01 }));
    assert.ok(
      isEngineEvent({
        type: 'finetune-epoch',
        time: 1,
        key: 'k',
        epoch: 1,
        step: 9,
        accuracy: 0.8,
      }),
    );
    assert.ok(
      isEngineEvent({ type: 'finetune-end', time: 1, key: 'k', status: 'failed', step: 0 }),
    );
    assert.ok(!isEngineEvent({ type: 'finetune-start', time: 1, runId: 'r', key: 'k' }));
    assert.ok(!isEngineEvent({ type: 'log', level: 'info', message: 'no time' }));
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
