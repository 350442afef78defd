import test from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { exportKeyOf } from '#shared/runFolder/layout';
import { defaultExportFile, resolveRunsDir } from '../../../../client/src/runs/runsFolder';

void test('the runs folder: default, relative to the workspace folder, absolute as is', () => {
  const ws = path.resolve('/w');
  assert.equal(resolveRunsDir(undefined, ws), path.join(ws, '.supernet', 'runs'));
  assert.equal(resolveRunsDir('  ', ws), path.join(ws, '.supernet', 'runs'));
  assert.equal(resolveRunsDir('out/runs', ws), path.join(ws, 'out', 'runs'));
  assert.equal(resolveRunsDir(path.resolve('/abs/runs'), ws), path.resolve('/abs/runs'));
  assert.equal(resolveRunsDir('runs', undefined, path.resolve('/cfg')), path.resolve('/cfg/runs'));
  assert.equal(resolveRunsDir('runs', undefined), undefined);
});

void test('exports go to <run>/exports/<key>.onnx, int8 ones to <key>.int8.onnx', () => {
  assert.equal(
    defaultExportFile('/r/run-1', 'r28-d1w16k3e2'),
    path.join('/r/run-1', 'exports', 'r28-d1w16k3e2.onnx'),
  );
  const int8 = defaultExportFile('/r/run-1', 'r28-d1w16k3e2', { precision: 'int8' });
  assert.equal(int8, path.join('/r/run-1', 'exports', 'r28-d1w16k3e2.int8.onnx'));
  const both = defaultExportFile('/r/run-1', 'r28-d1w16k3e2', {
    precision: 'int8',
    finetuned: true,
  });
  assert.equal(both, path.join('/r/run-1', 'exports', 'r28-d1w16k3e2.finetuned.int8.onnx'));
  assert.equal(exportKeyOf(path.basename(both)), 'r28-d1w16k3e2');
  // Both name the same subnet in the Runs tree.
  assert.equal(exportKeyOf(path.basename(int8)), 'r28-d1w16k3e2');
  assert.equal(exportKeyOf('r28-d1w16k3e2.onnx'), 'r28-d1w16k3e2');
  assert.equal(exportKeyOf('r28-d1w16k3e2.onnx.json'), undefined);
});
