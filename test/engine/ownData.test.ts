// Your own data: a folder of PNG and JPEG images (3 channels, 10 classes) and CIFAR-format
// binaries, both written here from the bundled Fashion-MNIST images tinted by class, go
// through validate, train, search and export; bad files get clear messages.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { EngineEvent } from '#shared/protocol/engine';
import { readIdx } from '../../server/src/datasets/idx';
import { IDX_FILES } from '../../server/src/datasets/locate';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'bin', 'supernet.js');
const BUNDLED = path.join(root, 'data', 'fashion-mnist-subset');
const CLASSES = [
  'bag',
  'boot',
  'coat',
  'dress',
  'pullover',
  'sandal',
  'shirt',
  'sneaker',
  'top',
  'trouser',
];
const TINTS = [
  [255, 60, 60],
  [60, 255, 60],
  [60, 60, 255],
  [255, 255, 60],
  [255, 60, 255],
  [60, 255, 255],
  [255, 160, 60],
  [160, 60, 255],
  [60, 160, 255],
  [200, 200, 200],
];

/** Fashion-MNIST images, 28×28 grey, with their labels. */
function fashion(n: number): { images: Uint8Array[]; labels: number[] } {
  const imgs = readIdx(path.join(BUNDLED, `${IDX_FILES.testImages}.gz`), 'images');
  const labs = readIdx(path.join(BUNDLED, `${IDX_FILES.testLabels}.gz`), 'labels');
  return {
    images: Array.from({ length: n }, (_, i) => imgs.data.subarray(i * 784, (i + 1) * 784)),
    labels: Array.from(labs.data.subarray(0, n)),
  };
}

/** An image as 32×32 RGB: the grey picture on its class's tint. */
function tinted(grey: Uint8Array, label: number): Uint8Array {
  const out = new Uint8Array(32 * 32 * 3);
  for (let y = 0; y < 32; y++)
    for (let x = 0; x < 32; x++) {
      const v = y >= 2 && y < 30 && x >= 2 && x < 30 ? grey[(y - 2) * 28 + (x - 2)] : 0;
      for (let c = 0; c < 3; c++)
        out[(y * 32 + x) * 3 + c] = Math.round((v * TINTS[label][c]) / 255);
    }
  return out;
}

const raw = (px: Uint8Array) =>
  sharp(Buffer.from(px), { raw: { width: 32, height: 32, channels: 3 } });

const CONFIG = (dataset: string, dataPath: string) => `name: own-${dataset}
task: { dataset: ${dataset}, path: ${dataPath}, input: [32, 32, 3], classes: 10, validationSplit: 0.2 }
space:
  resolution: [24, 32]
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3], expand: [1, 2], stride: 2 }
  head: { width: 16 }
train: { steps: 30, batchSize: 16, checkpointEvery: 15, optimizer: { type: sgd, lr: 0.05 } }
search: { bnRecalibrationBatches: 2, constraints: [] }
`;

function run(args: string[], cwd: string) {
  return spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 180_000 });
}
const eventsOf = (stdout: string): EngineEvent[] =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as EngineEvent);

/** validate, train, search and export a config; returns the train events. */
function wholeFlow(dir: string, config: string): EngineEvent[] {
  const v = run(['validate', config], dir);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  const t = run(['train', config, '--json'], dir);
  assert.equal(t.status, 0, t.stdout.slice(-3000) + t.stderr);
  const s = run(['search', config, '--budget', '4', '--json'], dir);
  assert.equal(s.status, 0, s.stdout.slice(-3000) + s.stderr);
  const end = eventsOf(s.stdout).at(-1);
  assert.ok(end?.type === 'search-end' && end.front.length > 0, JSON.stringify(end));
  const e = run(['export', config, end.front[0].key, '--json'], dir);
  assert.equal(e.status, 0, e.stdout.slice(-3000) + e.stderr);
  const ex = eventsOf(e.stdout).find((x) => x.type === 'export');
  assert.ok(ex?.type === 'export');
  // The ONNX model scores on the validation split exactly what the supernet scored there.
  assert.equal(ex.onnxAccuracy, ex.recordedAccuracy);
  const sidecar = JSON.parse(readFileSync(ex.sidecarFile, 'utf8')) as {
    preprocessing: { layout: string; channels: string; mean: number[]; std: number[] };
  };
  assert.equal(sidecar.preprocessing.layout, 'NCHW');
  assert.equal(sidecar.preprocessing.channels, 'RGB');
  assert.equal(sidecar.preprocessing.mean.length, 3);
  assert.ok(sidecar.preprocessing.std.every((s) => s > 0 && s < 1));
  return eventsOf(t.stdout);
}

void describe('your own data', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-own-'));
    const { images, labels } = fashion(360);
    // An image folder with its own split: 300 train, 60 val; PNG and JPEG alternate.
    for (const [i, img] of images.entries()) {
      const split = i < 300 ? 'train' : 'val';
      const folder = path.join(dir, 'imgs', split, CLASSES[labels[i]]);
      mkdirSync(folder, { recursive: true });
      const px = raw(tinted(img, labels[i]));
      if (i % 2) await px.jpeg({ quality: 95 }).toFile(path.join(folder, `${i}.jpg`));
      else await px.png().toFile(path.join(folder, `${i}.png`));
    }
    // CIFAR-10's binary form: 500 training records, 100 test records, class names.
    const record = (i: number) => {
      const px = tinted(fashion(600).images[i], labels[i % 360]);
      const out = new Uint8Array(3073);
      out[0] = labels[i % 360];
      for (let p = 0; p < 1024; p++)
        for (let c = 0; c < 3; c++) out[1 + c * 1024 + p] = px[p * 3 + c];
      return out;
    };
    mkdirSync(path.join(dir, 'cifar'));
    const all = Array.from({ length: 600 }, (_, i) => record(i));
    writeFileSync(path.join(dir, 'cifar', 'data_batch_1.bin'), Buffer.concat(all.slice(0, 500)));
    writeFileSync(path.join(dir, 'cifar', 'test_batch.bin'), Buffer.concat(all.slice(500)));
    writeFileSync(path.join(dir, 'cifar', 'batches.meta.txt'), CLASSES.join('\n') + '\n');
    writeFileSync(path.join(dir, 'folder.supernet.yaml'), CONFIG('folder', './imgs'));
    writeFileSync(path.join(dir, 'cifar.supernet.yaml'), CONFIG('cifar10', './cifar'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test('an image folder: validate, train, search, export; the second run reads the cache', () => {
    const events = wholeFlow(dir, 'folder.supernet.yaml');
    const start = events.find((e) => e.type === 'run-start');
    assert.ok(start?.type === 'run-start');
    assert.deepEqual([start.dataset.train, start.dataset.validation], [300, 60]);
    const again = run(['train', 'folder.supernet.yaml', '--steps', '2', '--json'], dir);
    assert.equal(again.status, 0, again.stderr);
    const info = eventsOf(again.stdout).find(
      (e) => e.type === 'log' && /image folder/.test(e.message),
    );
    assert.match(info?.type === 'log' ? info.message : '', /from the cache/);
  });

  void test('CIFAR-10 binaries: validate, train, search, export', () => {
    const events = wholeFlow(dir, 'cifar.supernet.yaml');
    const start = events.find((e) => e.type === 'run-start');
    assert.ok(start?.type === 'run-start' && start.dataset.train === 400);
  });

  void test('augmented batches replay exactly after a resume', async () => {
    const losses = (events: EngineEvent[]) =>
      events.flatMap((e) => (e.type === 'step' ? [[e.step, e.losses.map((l) => l.loss)]] : []));
    const straight = run(['train', 'cifar.supernet.yaml', '--runs', 'aug-a', '--json'], dir);
    assert.equal(straight.status, 0, straight.stderr);
    // The same run, stopped by Ctrl-C after step 10 (a checkpoint there), then resumed.
    const child = spawn(
      process.execPath,
      [cli, 'train', 'cifar.supernet.yaml', '--runs', 'aug-b', '--json'],
      {
        cwd: dir,
        detached: true,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/"type":"step","time":\d+,"step":1[0-9]/.test(out)) process.kill(-child.pid!, 'SIGINT');
      });
      child.on('exit', () => resolve());
    });
    const first = eventsOf(
      out
        .split('\n')
        .filter((l) => l.endsWith('}'))
        .join('\n'),
    );
    const start = first.find((e) => e.type === 'run-start');
    assert.ok(start?.type === 'run-start');
    const rest = run(['train', '--resume', start.runId, '--runs', 'aug-b', '--json'], dir);
    assert.equal(rest.status, 0, rest.stderr);
    const resumed = losses(eventsOf(rest.stdout));
    assert.ok(resumed.length > 0 && (resumed[0][0] as number) <= 30);
    const from = resumed[0][0] as number;
    assert.deepEqual(
      resumed,
      losses(eventsOf(straight.stdout)).filter(([step]) => (step as number) >= from),
    );
  });

  void test('a truncated JPEG and a text file named .png are skipped, named in the log', () => {
    const bad = path.join(dir, 'imgs', 'train', 'bag');
    const someJpeg = readdirSync(bad).find((n) => n.endsWith('.jpg'))!;
    writeFileSync(
      path.join(bad, 'truncated.jpg'),
      readFileSync(path.join(bad, someJpeg)).subarray(0, 200),
    );
    writeFileSync(path.join(bad, 'notes.png'), 'this is not a picture');
    const t = run(['train', 'folder.supernet.yaml', '--steps', '2', '--json'], dir);
    assert.equal(t.status, 0, t.stdout.slice(-3000) + t.stderr);
    const warn = eventsOf(t.stdout).find(
      (e) => e.type === 'log' && e.level === 'warning' && /skipped/.test(e.message),
    );
    assert.ok(warn?.type === 'log', t.stdout.slice(0, 2000));
    assert.match(
      warn.message,
      /skipped 2 images .* could not be decoded: .*(notes\.png|truncated\.jpg).*(notes\.png|truncated\.jpg)/,
    );
  });

  void test('an empty class and a class missing from val stop before training, located in the editor', () => {
    mkdirSync(path.join(dir, 'imgs', 'train', 'zebra'));
    const v = run(['validate', 'folder.supernet.yaml', '--json'], dir);
    assert.equal(v.status, 1);
    const records = JSON.parse(v.stdout) as { line: number; message: string }[];
    assert.ok(
      records.some((r) => /Class 'zebra' has no images/.test(r.message) && r.line === 2),
      v.stdout,
    );
    assert.ok(
      records.some((r) => /Class 'zebra' is missing from .*val/.test(r.message)),
      v.stdout,
    );
    const t = run(['train', 'folder.supernet.yaml', '--json'], dir);
    assert.equal(t.status, 1);
    assert.match(t.stdout + t.stderr, /Class 'zebra' has no images/);
    rmSync(path.join(dir, 'imgs', 'train', 'zebra'), { recursive: true });
  });

  void test('a CIFAR file whose length is no whole number of records is refused, naming it', () => {
    const file = path.join(dir, 'cifar', 'data_batch_1.bin');
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, good.length - 100));
    try {
      const v = run(['validate', 'cifar.supernet.yaml', '--json'], dir);
      assert.equal(v.status, 1);
      assert.match(
        v.stdout,
        /data_batch_1\.bin: is 1536400 bytes, not a whole number of 3073-byte CIFAR-10 records/,
      );
      const t = run(['train', 'cifar.supernet.yaml', '--json'], dir);
      assert.equal(t.status, 1);
      assert.match(t.stdout + t.stderr, /data_batch_1\.bin: is 1536400 bytes/);
    } finally {
      writeFileSync(file, good);
    }
  });
});
