// onnxruntime-node's telemetry stays off in every process that loads it through the engine:
// no upload thread, no store in ~/.cache, no /tmp/mat-debug-<pid>.log per process.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const RUNTIME = path.resolve(__dirname, '../../../../server/src/engine/onnx/runtime.js');

/** One Identity session in a fresh node process whose HOME and TMPDIR are empty folders. */
function sessionIn(dir: string, moduleId: string): number {
  const script = `
    const ort = require(${JSON.stringify(moduleId)});
    const { onnx } = require('onnx-proto');
    const t = (name) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } });
    const model = onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'g', node: [{ opType: 'Identity', input: ['x'], output: ['y'] }], input: [t('x')], output: [t('y')] } }).finish();
    ort.InferenceSession.create(model)
      .then((s) => s.run({ x: new ort.Tensor('float32', new Float32Array([2]), [1]) }))
      .then((r) => { if (r.y.data[0] !== 2) process.exit(2); console.log(process.pid); });`;
  // XDG_CACHE_HOME too: where a machine sets it, the store would go there instead of HOME.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    TMPDIR: dir,
    XDG_CACHE_HOME: path.join(dir, '.cache'),
  };
  delete env.ORT_DISABLE_TELEMETRY;
  const out = execFileSync(process.execPath, ['-e', script], { env, cwd: process.cwd() });
  return Number(String(out).trim());
}

void test("loading onnx/runtime turns telemetry off before any session, and keeps a user's own setting", () => {
  const probe = (preset: string | undefined): string => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.ORT_DISABLE_TELEMETRY;
    if (preset !== undefined) env.ORT_DISABLE_TELEMETRY = preset;
    const script = `require(${JSON.stringify(RUNTIME)}); console.log(JSON.stringify(process.env.ORT_DISABLE_TELEMETRY ?? null));`;
    return JSON.parse(String(execFileSync(process.execPath, ['-e', script], { env }))) as string;
  };
  assert.equal(probe(undefined), '1');
  assert.equal(probe('0'), '0');
});

void test('sessions made through onnx/runtime leave no telemetry log or store behind', (t) => {
  const ours = mkdtempSync(path.join(tmpdir(), 'supernet-ort-'));
  const bare = mkdtempSync(path.join(tmpdir(), 'supernet-ort-bare-'));
  try {
    const pid = sessionIn(ours, RUNTIME);
    assert.ok(pid > 0);
    assert.deepEqual(readdirSync(ours), [], 'nothing written to HOME or TMPDIR');
    // The control: the same session straight from onnxruntime-node writes its log, so the
    // check above can fail. Whether the library starts telemetry at all depends on the
    // machine (CI at stop 21 wrote the log, at stop 22 nothing at all); where it wrote
    // nothing the control shows nothing, and the test above stands on its own.
    const barePid = sessionIn(bare, 'onnxruntime-node');
    const written = readdirSync(bare);
    if (written.length === 0) {
      t.diagnostic(
        'onnxruntime-node wrote no telemetry here even with the variable unset: control not applicable',
      );
      return;
    }
    assert.ok(existsSync(path.join(bare, `mat-debug-${barePid}.log`)), written.join());
  } finally {
    rmSync(ours, { recursive: true, force: true });
    rmSync(bare, { recursive: true, force: true });
  }
});
