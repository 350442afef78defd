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

void test('bench --search --json reports evaluations per second and ONNX latencies', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, 'dist', 'bench.js'), '--search', '--json', '--subnets=2'],
    { cwd: ROOT, timeout: 120_000 },
  );
  const r = JSON.parse(stdout.trim()) as {
    bench: string;
    evaluations: number;
    threads: number;
    evals_per_s: number;
    evals_per_s_1thread: number;
    eval_img_s: number;
    validation_images: number;
    latency_ms: Record<string, number>;
  };
  assert.equal(r.bench, 'search');
  assert.equal(r.evaluations, 2);
  assert.ok(r.evals_per_s > 0 && r.eval_img_s > r.evals_per_s * r.validation_images);
  // All threads and one thread, in the same run.
  assert.ok(Number.isInteger(r.threads) && r.threads >= 1);
  assert.ok(r.evals_per_s_1thread > 0);
  for (const k of ['smallest', 'largest', 'random_median']) {
    assert.ok(r.latency_ms[k] > 0, `latency ${k} = ${r.latency_ms[k]}`);
  }
  // Not a speed claim: the largest subnet does at least the smallest's work.
  assert.ok(r.latency_ms.largest >= r.latency_ms.smallest * 0.8);
});
