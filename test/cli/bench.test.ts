// The diagnosis benchmark runs and reports its percentiles (its numbers are not judged here).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../../..');

void test('node dist/bench.js --json prints p50 and p95', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, 'dist', 'bench.js'), '--json'],
    { cwd: ROOT, timeout: 60_000 },
  );
  const out = stdout.trim().split('\n');
  assert.equal(out.length, 1, stdout);
  const r = JSON.parse(out[0]) as Record<string, unknown>;
  assert.equal(r.bench, 'diagnose');
  assert.equal(r.lines, 200);
  for (const k of ['p50', 'p95']) {
    const v = r[k];
    assert.equal(typeof v, 'number', `${k} is a number`);
    assert.ok(Number.isFinite(v) && (v as number) > 0, `${k} = ${String(v)}`);
  }
  assert.ok((r.p50 as number) <= (r.p95 as number));
  assert.ok(
    Number.isInteger(r.diagnostics) && (r.diagnostics as number) > 0,
    'the bench config has findings to report',
  );
});
