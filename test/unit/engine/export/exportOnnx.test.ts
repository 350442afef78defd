import test, { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { onnx } from 'onnx-proto';
import { exportSubnet } from '../../../../server/src/engine/export/exportOnnx';
import { onnxParamCount } from '../../../../server/src/engine/onnx/onnxGraph';
import { verifyExport } from '../../../../server/src/engine/export/verifyOnnx';
import { measureLatency } from '../../../../server/src/engine/export/latency';
import { archKey } from '#shared/arch';
import { subnetCost } from '../../../../server/src/space/facts';
import { Rng } from '#shared/rng';
import type { SupernetConfig } from '../../../../server/src/config/configSchema';
import { archsOf, elastic, makeNet, randomImages, wide } from './fixtures';

let dir: string;
const tmpFiles = (d: string) => fs.readdirSync(d).filter((f) => f.endsWith('.tmp'));

void describe('ONNX export', () => {
  before(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-export-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const parity = async (config: SupernetConfig, name: string, random: number) => {
    const rng = new Rng(5);
    const net = makeNet(config, 2);
    const [h, w, c] = config.task.input;
    const calib = tf.tensor4d(randomImages(config, 8, rng), [8, h, w, c]);
    const n = 6;
    const images = randomImages(config, n, rng);
    const labels = Array.from({ length: n }, () => rng.int(config.task.classes));
    let worst = 0;
    for (const [i, arch] of archsOf(config, random).entries()) {
      // Per-subnet batch-norm recalibration: non-trivial running statistics.
      net.calibrate(arch, [calib]);
      const file = path.join(dir, `${name}-${i}.onnx`);
      const res = await exportSubnet(net, arch, file, { accuracy: 0.5 });
      assert.equal(res.bytes, fs.statSync(file).size);
      const v = await verifyExport(file, net, arch, images, n, h, w, c, { labels, batchSize: 4 });
      worst = Math.max(worst, v.maxAbsDiff);
      assert.ok(v.maxAbsDiff < 1e-3, `${archKey(arch)}: max abs diff ${v.maxAbsDiff}`);
      assert.equal(v.agreement, 1, archKey(arch));
      assert.equal(v.onnxAccuracy, v.tfjsAccuracy);
    }
    tf.dispose(calib);
    net.dispose();
    return worst;
  };

  void test('exported models match the supernet (elastic resolution, stride-2 stem, k 3/5/7)', async () => {
    const worst = await parity(elastic, 'elastic', 6);
    assert.ok(worst > 0, 'the comparison compared something');
  });

  void test('exported models match the supernet (non-square 3-channel input)', async () => {
    await parity(wide, 'wide', 3);
  });

  void test('the sidecar records the arch, its costs and the caller’s fields', async () => {
    const net = makeNet(elastic, 3);
    const arch = archsOf(elastic, 1)[2];
    const file = path.join(dir, 'sidecar.onnx');
    const res = await exportSubnet(net, arch, file, {
      accuracy: 0.83,
      latencyMs: 1.5,
      sourceRun: 'runs/tiny',
      checkpoint: 'ckpt-3',
    });
    assert.equal(res.sidecarFile, `${file}.json`);
    const meta = JSON.parse(fs.readFileSync(res.sidecarFile, 'utf8'));
    const cost = subnetCost(elastic.space, elastic.task, arch);
    assert.deepEqual(meta.arch, arch);
    assert.equal(meta.archKey, archKey(arch));
    assert.equal(meta.flops, cost.flops);
    assert.equal(meta.params, cost.params);
    assert.equal(meta.accuracy, 0.83);
    assert.equal(meta.latencyMs, 1.5);
    assert.equal(meta.sourceRun, 'runs/tiny');
    assert.equal(meta.checkpoint, 'ckpt-3');
    assert.equal(meta.bytes, res.bytes);
    const model = onnx.ModelProto.decode(fs.readFileSync(file));
    assert.equal(meta.onnxParams, onnxParamCount(model));
    assert.equal(model.metadataProps.find((p) => p.key === 'archKey')?.value, archKey(arch));
    // Exporting again replaces both files whole.
    await exportSubnet(net, arch, file, {});
    assert.equal(fs.statSync(file).size, res.bytes);
    assert.equal(JSON.parse(fs.readFileSync(res.sidecarFile, 'utf8')).accuracy, undefined);
    assert.deepEqual(tmpFiles(dir), []);
    net.dispose();
  });

  void test('an unwritable path fails naming it and leaves no temporary file', async () => {
    const net = makeNet(wide, 4);
    const arch = archsOf(wide, 0)[1];
    const sub = fs.mkdtempSync(path.join(dir, 'bad-'));
    // The parent is a regular file: the temporary file cannot even be created.
    const regular = path.join(sub, 'not-a-folder');
    fs.writeFileSync(regular, 'x');
    const underFile = path.join(regular, 'model.onnx');
    await assert.rejects(exportSubnet(net, arch, underFile, {}), (err: Error) => {
      assert.ok(err.message.includes(underFile), err.message);
      return true;
    });
    // The target is a folder: the temporary file is written, the rename fails.
    const folder = path.join(sub, 'taken.onnx');
    fs.mkdirSync(folder);
    await assert.rejects(exportSubnet(net, arch, folder, {}), (err: Error) => {
      assert.ok(err.message.includes(folder), err.message);
      return true;
    });
    assert.deepEqual(fs.readdirSync(sub).sort(), ['not-a-folder', 'taken.onnx']);
    assert.deepEqual(fs.readdirSync(folder), []);
    assert.equal(fs.readFileSync(regular, 'utf8'), 'x');
    net.dispose();
  });

  void test('latency: positive median, p90 ≥ median, one figure per run', async () => {
    const net = makeNet(elastic, 6);
    const file = path.join(dir, 'latency.onnx');
    await exportSubnet(net, archsOf(elastic, 0)[0], file, {});
    const r = await measureLatency(file, { warmup: 2, runs: 7 });
    assert.equal(r.runsMs.length, 7);
    assert.ok(r.medianMs > 0 && r.meanMs > 0);
    assert.ok(r.p90Ms >= r.medianMs);
    assert.equal(r.threads, 1);
    const b4 = await measureLatency(fs.readFileSync(file), {
      warmup: 1,
      runs: 3,
      batch: 4,
      threads: 2,
    });
    assert.ok(b4.medianMs > 0);
    assert.equal(b4.batch, 4);
    net.dispose();
  });
});
