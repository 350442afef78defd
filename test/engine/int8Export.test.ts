// `supernet export --int8` on a micro run trained for a few dozen steps: the quantised model,
// its measurement against float32, its sidecar, and what bad input does to the run folder.
import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from '../../server/src/engine/onnx/runtime';
import type { ExportEvent, Int8Figures } from '#shared/protocol/engine';
import { eventsOf, microConfig, runCli } from './microRun';
import { changedFiles, fingerprint } from './runFileTools';

const CONFIG = microConfig({
  name: 'micro',
  train: 'steps: 60, batchSize: 32, seed: 3, sampler: { type: sandwich, subnets: 3 }',
});
/** The micro space's largest subnet: two blocks, a residual, every op an int8 model has. */
const KEY = 'r20-d2w16k3e2k3e2';

const exportOf = (stdout: string): ExportEvent => {
  const e = eventsOf(stdout).find((x) => x.type === 'export');
  assert.ok(e?.type === 'export', stdout);
  return e;
};

void describe('supernet export --int8', () => {
  let dir: string;
  let runs: string;
  let runId: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-int8-'));
    runs = path.join(dir, 'runs');
    writeFileSync(path.join(dir, 'micro.supernet.yaml'), CONFIG);
    const r = runCli(['train', 'micro.supernet.yaml', '--runs', runs, '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    runId = readdirSync(runs)[0];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test('writes a QDQ model measured against float32, and says so in its output and sidecar', async () => {
    const r = runCli(['export', runId, KEY, '--runs', runs, '--int8'], dir);
    assert.equal(r.status, 0, r.stderr);
    const file = r.stdout.trim();
    assert.equal(file, path.join(runs, runId, 'exports', `${KEY}.int8.onnx`));
    // The text names the precision, the calibration and every figure.
    assert.match(
      r.stderr,
      /exported \S+ as int8 \(static, QDQ\): \d+ bytes, float32's \d+ \(×[\d.]+\)/,
    );
    assert.match(r.stderr, /activation ranges: percentile on 32 training images/);
    assert.match(
      r.stderr,
      /validation accuracy \(inherited weights\): int8 [\d.]+%, float32 [\d.]+%: drop -?[\d.]+ points/,
    );
    assert.match(r.stderr, /latency, 1 thread: batch 1 int8 .* batch 32 int8 /);
    const fused = /onnxruntime kernels: .*QLinearConv×(\d+)/.exec(r.stderr);

    const sidecar = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as {
      precision: string;
      accuracy: number;
      int8: Int8Figures & { weights: string; activations: string };
    };
    assert.equal(sidecar.precision, 'int8');
    // It travels with the model: no folder of this machine in it, the checkpoint relative.
    assert.ok(
      !readFileSync(`${file}.json`, 'utf8').includes(dir),
      'an absolute path in the sidecar',
    );
    assert.equal((sidecar as { checkpoint?: string }).checkpoint, 'checkpoint/checkpoint.bin');
    const q = sidecar.int8;
    assert.equal(q.calibration, 'percentile');
    assert.equal(q.calibrationImages, 32);
    assert.equal(sidecar.accuracy, q.int8Accuracy);
    assert.ok(Math.abs(q.accuracyDropPoints) <= 2, `drop ${q.accuracyDropPoints} points`);
    assert.ok(q.agreement >= 0.95, `agreement ${q.agreement}`);
    assert.ok(q.maxAbsDiff > 0 && q.maxAbsDiff < 2, `max |Δlogit| ${q.maxAbsDiff}`);
    for (const m of [q.latency.float32, q.latency.int8])
      assert.ok(m.batch1Ms > 0 && m.batch32Ms > m.batch1Ms);
    assert.ok(q.floatBytes > 0);
    assert.match(q.weights, /per output channel/);
    assert.match(q.activations, /uint8/);

    // The file: Q/DQ around every conv, and it runs in onnxruntime-node.
    const model = onnx.ModelProto.decode(readFileSync(file));
    const nodes = model.graph?.node ?? [];
    const producers = new Map(nodes.flatMap((n) => (n.output ?? []).map((o) => [o, n.opType])));
    const convs = nodes.filter((n) => n.opType === 'Conv');
    // Stem, two blocks of expand, depthwise and project, the head: each fused by onnxruntime.
    assert.equal(convs.length, 8);
    assert.equal(Number(fused?.[1]), convs.length, r.stderr);
    assert.equal(q.kernels.QLinearConv, convs.length);
    assert.equal(q.kernels.Conv, undefined);
    for (const c of convs)
      assert.deepEqual(
        (c.input ?? []).map((i) => producers.get(i)),
        ['DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear'],
        c.name ?? '',
      );
    const session = await ort.InferenceSession.create(file);
    const out = await session.run({
      images: new ort.Tensor('float32', new Float32Array(3 * 28 * 28), [3, 1, 28, 28]),
    });
    assert.deepEqual(out.logits.dims, [3, 10]);
    await session.release();

    // A float32 export of the same subnet says float32, beside the int8 one.
    const f = runCli(['export', runId, KEY, '--runs', runs, '--json'], dir);
    assert.equal(f.status, 0, f.stderr);
    const done = exportOf(f.stdout);
    assert.equal(done.precision, 'float32');
    assert.equal(done.int8, undefined);
    const floatSidecar = JSON.parse(readFileSync(`${done.file}.json`, 'utf8')) as {
      precision: string;
      accuracy: number;
    };
    assert.equal(floatSidecar.precision, 'float32');
    assert.equal(floatSidecar.accuracy, q.floatAccuracy);
    assert.ok(existsSync(file));
  });

  void test('calibration is deterministic: two exports write the same bytes', () => {
    const files = ['a', 'b'].map((n) => path.join(dir, `${n}.onnx`));
    for (const f of files) {
      const r = runCli(
        ['export', runId, KEY, '--runs', runs, '--int8', '--calibration', 'minmax', '-o', f],
        dir,
      );
      assert.equal(r.status, 0, r.stderr);
    }
    const [a, b] = files.map((f) => readFileSync(f));
    assert.ok(a.equals(b), 'the two int8 models differ');
    const meta = JSON.parse(readFileSync(`${files[0]}.json`, 'utf8')) as { int8: Int8Figures };
    assert.equal(meta.int8.calibration, 'minmax');
  });

  void test('a drop above the threshold warns, naming it, and the model is written all the same', () => {
    const file = path.join(dir, 'warned.onnx');
    // A threshold below any drop (int8 may even gain on a small validation split).
    const args = ['export', runId, KEY, '--runs', runs, '--int8', '--max-drop=-100', '-o', file];
    const r = runCli(args, dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: int8 costs \S+ -?[\d.]+ points of validation accuracy \([\d.]+% against [\d.]+% in float32\), more than the -100 allowed/,
    );
    assert.ok(existsSync(file) && existsSync(`${file}.json`));
    // --json: the warning is a log event before the export event.
    const j = runCli([...args, '--json'], dir);
    const events = eventsOf(j.stdout);
    const warning = events.findIndex((e) => e.type === 'log' && e.level === 'warning');
    assert.ok(warning >= 0 && warning < events.findIndex((e) => e.type === 'export'));
    // The default threshold (1 point) is not crossed on this run.
    const quiet = runCli(['export', runId, KEY, '--runs', runs, '--int8', '-o', file], dir);
    assert.doesNotMatch(quiet.stderr, /warning/);
  });

  void test('bad input: an unknown key or option fails clearly and leaves the run as it was', () => {
    const runDir = path.join(runs, runId);
    const before = fingerprint(runDir);
    let r = runCli(['export', runId, 'r20-d2w32k3e2k3e2', '--runs', runs, '--int8'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Subnet r20-d2w32k3e2k3e2 is not in the search space of run/);
    r = runCli(['export', runId, 'not-a-key', '--runs', runs, '--int8'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /'not-a-key' is not a subnet key/);
    r = runCli(['export', runId, KEY, '--runs', runs, '--int8', '--calibration', 'kl'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--calibration is minmax or percentile/);
    r = runCli(['export', runId, KEY, '--runs', runs, '--calibration', 'minmax'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /go with --int8/);
    r = runCli(['export', runId, KEY, '--runs', runs, '--int8', '--max-drop', 'lots'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--max-drop takes a number/);
    assert.deepEqual(changedFiles(before, fingerprint(runDir)), []);
    assert.ok(!readdirSync(path.join(runDir, 'exports')).some((f) => f.endsWith('.tmp')));
  });

  void test('a disk that fills while the int8 model is written: a clear error naming it, nothing half-written, the run as it was', () => {
    const runDir = path.join(runs, runId);
    const exportsDir = path.join(runDir, 'exports');
    const file = path.join(exportsDir, `${KEY}.int8.onnx`);
    // A float32 export first: the exports folder and the subnet's evaluation in
    // candidates.jsonl exist, so anything the failed export changes shows.
    assert.equal(runCli(['export', runId, KEY, '--runs', runs], dir).status, 0);
    rmSync(file, { force: true });
    rmSync(`${file}.json`, { force: true });
    const before = fingerprint(runDir);
    // Room for a kilobyte: the model (several kilobytes) cannot be written.
    const flag = path.join(dir, 'disk-full.flag');
    writeFileSync(flag, '1024');
    const env = { ...process.env, SUPERNET_FAULT_DISK_FULL_FLAG: flag };
    const r = runCli(['export', runId, KEY, '--runs', runs, '--int8'], dir, env);
    rmSync(flag);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stderr.includes(`Cannot write ${file}: `), r.stderr);
    assert.match(r.stderr, /no space left/);
    assert.ok(!existsSync(file) && !existsSync(`${file}.json`), 'no model, no sidecar');
    assert.deepEqual(
      readdirSync(exportsDir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file left',
    );
    assert.deepEqual(changedFiles(before, fingerprint(runDir)), [], 'nothing of the run is lost');
    // With room again the same command writes it.
    const again = runCli(['export', runId, KEY, '--runs', runs, '--int8'], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.ok(existsSync(file) && existsSync(`${file}.json`));
  });
});
