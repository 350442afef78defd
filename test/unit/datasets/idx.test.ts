import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkLabels, DataError, parseIdx, readIdx } from '../../../server/src/datasets/idx';
import { BUNDLED_DIR, bundledDecompressed, makeIdx, tempDir } from '../engine/data/fixtures';

/** Asserts that `fn` throws a DataError for `file` whose message matches every pattern. */
function throwsDataError(
  fn: () => unknown,
  file: string,
  ...patterns: (RegExp | string)[]
): DataError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DataError, `expected a DataError, got ${String(caught)}`);
  assert.equal(caught.file, file);
  assert.ok(caught.message.startsWith(`${file}: `), `message names the file: ${caught.message}`);
  for (const p of patterns) {
    if (typeof p === 'string')
      assert.ok(caught.message.includes(p), `"${p}" not in: ${caught.message}`);
    else assert.match(caught.message, p);
  }
  return caught;
}

void describe('parseIdx', () => {
  void test('reads dims big-endian and the data after the header', () => {
    const idx = parseIdx(makeIdx([2, 3, 4]), 'x', 'images');
    assert.deepEqual(idx.dims, [2, 3, 4]);
    assert.equal(idx.headerBytes, 16);
    assert.equal(idx.gzipped, false);
    assert.deepEqual(Array.from(idx.data.subarray(0, 5)), [0, 1, 2, 3, 4]);
    assert.equal(idx.data.length, 24);
  });

  void test('gzip is detected by magic bytes, whatever the name', () => {
    const plain = makeIdx([300]);
    const idx = parseIdx(gzipSync(plain), 'labels-without-gz-suffix', 'labels');
    assert.equal(idx.gzipped, true);
    assert.deepEqual(idx.dims, [300]);
    assert.deepEqual(idx.data, parseIdx(plain, 'p', 'labels').data);
  });

  void test('4-dim images (channels last) are accepted', () => {
    assert.deepEqual(parseIdx(makeIdx([2, 5, 5, 3]), 'rgb', 'images').dims, [2, 5, 5, 3]);
  });

  void test('a label file read as images: wrong magic, both magics named', () => {
    const e = throwsDataError(
      () => parseIdx(makeIdx([10]), 'f.idx', 'images'),
      'f.idx',
      'expected magic 0x00000803 (ubyte, 3 dims) or 0x00000804 (ubyte, 4 dims) for images, got 0x00000801 (ubyte, 1 dim)',
    );
    assert.equal(e.offset, 0);
  });

  void test('an image file read as labels', () => {
    throwsDataError(
      () => parseIdx(makeIdx([1, 2, 2]), 'l', 'labels'),
      'l',
      'expected magic 0x00000801 (ubyte, 1 dim) for labels, got 0x00000803 (ubyte, 3 dims)',
    );
  });

  void test('another IDX type is named', () => {
    const buf = makeIdx([1, 1, 1]);
    buf[2] = 0x0d;
    throwsDataError(() => parseIdx(buf, 'f', 'images'), 'f', 'got 0x00000d03 (float, 3 dims)');
  });

  void test('a file that is not IDX at all', () => {
    throwsDataError(
      () => parseIdx(Buffer.from('PK\x03\x04 zip data'), 'a.zip', 'images'),
      'a.zip',
      'got 0x504b0304 (not an IDX file',
    );
  });

  void test('a .gz name with data that is not gzip gets a hint', () => {
    throwsDataError(
      () => parseIdx(Buffer.from('hello world'), 'x-idx3-ubyte.gz', 'images'),
      'x-idx3-ubyte.gz',
      'expected magic',
      'the name ends in .gz but the data is not gzip',
    );
  });

  void test('too short for the magic, or for the header', () => {
    throwsDataError(
      () => parseIdx(Buffer.from([0, 0]), 'f'),
      'f',
      'file is 2 bytes, too short for the 4-byte IDX magic',
    );
    throwsDataError(
      () => parseIdx(makeIdx([5, 28, 28]).subarray(0, 10), 'f', 'images'),
      'f',
      'file is 10 bytes, shorter than the 16-byte header of a 3-dim IDX file',
    );
  });

  void test('extra bytes after the data are an error too', () => {
    const buf = Buffer.concat([makeIdx([4]), Buffer.from([1, 2])]);
    throwsDataError(
      () => parseIdx(buf, 'l', 'labels'),
      'l',
      'expected 4 bytes of data after the 8-byte header, got 6 (2 bytes too many)',
    );
  });
});

void describe('readIdx on real and corrupt files', () => {
  void test('the bundled t10k files: 10000 images 28×28, 10000 labels', () => {
    const images = readIdx(path.join(BUNDLED_DIR, 't10k-images-idx3-ubyte.gz'), 'images');
    const labels = readIdx(path.join(BUNDLED_DIR, 't10k-labels-idx1-ubyte.gz'), 'labels');
    assert.deepEqual(images.dims, [10000, 28, 28]);
    assert.deepEqual(labels.dims, [10000]);
    assert.equal(images.gzipped, true);
    assert.deepEqual(Array.from(labels.data.subarray(0, 10)), [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    checkLabels(labels, images, 10);
  });

  void test('gz and plain files give identical results', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    const raw = bundledDecompressed();
    for (const [name, bytes, role] of [
      ['t10k-images-idx3-ubyte', raw.images, 'images'],
      ['t10k-labels-idx1-ubyte', raw.labels, 'labels'],
    ] as const) {
      const plainFile = path.join(dir, name);
      writeFileSync(plainFile, bytes);
      const plain = readIdx(plainFile, role);
      const gz = readIdx(path.join(BUNDLED_DIR, `${name}.gz`), role);
      assert.equal(plain.gzipped, false);
      assert.deepEqual(plain.dims, gz.dims);
      assert.ok(Buffer.from(plain.data).equals(Buffer.from(gz.data)), `${name}: data differs`);
    }
  });

  void test('truncated image data: file name, expected and got', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    const file = path.join(dir, 't10k-images-idx3-ubyte');
    writeFileSync(file, bundledDecompressed().images.subarray(0, 16 + 1000));
    const e = throwsDataError(
      () => readIdx(file, 'images'),
      file,
      'expected 10000×28×28 = 7840000 bytes of data after the 16-byte header, got 1000 (truncated)',
    );
    assert.equal(e.offset, 1016);
  });

  void test('truncated data inside a valid gzip stream', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    const file = path.join(dir, 't10k-labels-idx1-ubyte.gz');
    writeFileSync(file, gzipSync(bundledDecompressed().labels.subarray(0, 8 + 9000)));
    throwsDataError(() => readIdx(file, 'labels'), file, 'expected 10000 bytes', 'got 9000');
  });

  void test('a cut-off gzip file: corrupt gzip data', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    const file = path.join(dir, 't10k-labels-idx1-ubyte.gz');
    const gz = readFileSync(path.join(BUNDLED_DIR, 't10k-labels-idx1-ubyte.gz'));
    writeFileSync(file, gz.subarray(0, gz.length >> 1));
    throwsDataError(() => readIdx(file, 'labels'), file, 'corrupt gzip data (zlib: ');
  });

  void test('garbage after a gzip magic: corrupt gzip data', () => {
    const buf = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xde, 0xad, 0xbe, 0xef]);
    throwsDataError(() => parseIdx(buf, 'g.gz', 'labels'), 'g.gz', 'corrupt gzip data');
  });

  void test('wrong magic in a real file', (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    const file = path.join(dir, 't10k-images-idx3-ubyte');
    const bytes = Buffer.from(bundledDecompressed().images.subarray(0, 16 + 784));
    bytes[3] = 0x02;
    writeFileSync(file, bytes);
    throwsDataError(
      () => readIdx(file, 'images'),
      file,
      'for images, got 0x00000802 (ubyte, 2 dims)',
    );
  });

  void test('a missing file', () => {
    const file = path.join(BUNDLED_DIR, 'no-such-file-idx3-ubyte.gz');
    throwsDataError(() => readIdx(file), file, 'file not found');
  });

  void test('a folder where a file should be', () => {
    throwsDataError(() => readIdx(BUNDLED_DIR), BUNDLED_DIR, 'is not a regular file');
  });

  void test('a FIFO where a file should be fails at once instead of blocking', () => {
    const tmp = tempDir();
    try {
      const fifo = path.join(tmp.dir, 'images.fifo');
      const made = spawnSync('mkfifo', [fifo]);
      assert.equal(made.status, 0, String(made.stderr));
      throwsDataError(() => readIdx(fifo), fifo, 'is not a regular file');
    } finally {
      tmp.cleanup();
    }
  });

  void test('a gzip bomb fails once it inflates past what its header declares', () => {
    // A header of 10 images of 2×2, then 64 MiB of zeros: 40 bytes declared, far more inflated.
    const bomb = Buffer.concat([makeIdx([10, 2, 2]).subarray(0, 16), Buffer.alloc(64 * 2 ** 20)]);
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'bomb-idx3-ubyte.gz');
      writeFileSync(file, gzipSync(bomb));
      const before = process.memoryUsage().rss;
      throwsDataError(
        () => readIdx(file),
        file,
        'inflates to more than the 56 bytes its IDX header declares',
      );
      assert.ok(process.memoryUsage().rss - before < 32 * 2 ** 20, 'it did not inflate the bomb');
    } finally {
      tmp.cleanup();
    }
  });
});

void describe('checkLabels', () => {
  const images = parseIdx(makeIdx([6, 2, 2]), 'imgs', 'images');

  void test('a label count that does not match the image count', () => {
    const labels = parseIdx(makeIdx([5], Uint8Array.of(0, 1, 2, 3, 4)), 'lbls', 'labels');
    throwsDataError(
      () => checkLabels(labels, images, 10),
      'lbls',
      'has 5 labels but its image file imgs has 6 images',
    );
  });

  void test('labels ≥ classes: first one, its offset, how many and the largest', () => {
    const labels = parseIdx(makeIdx([6], Uint8Array.of(0, 1, 7, 3, 9, 2)), 'lbls', 'labels');
    const e = throwsDataError(
      () => checkLabels(labels, images, 5),
      'lbls',
      'label 7 at index 2 (byte 10) is not below task.classes = 5; 2 labels are ≥ 5, the largest is 9',
    );
    assert.equal(e.offset, 10);
    checkLabels(labels, images, 10);
  });
});
