import test from 'node:test';
import assert from 'node:assert/strict';
import { downsampleIndices, thinAligned } from '#shared/charts/downsample';

const argExtreme = (c: (number | null)[], better: (a: number, b: number) => boolean) => {
  let at = -1;
  c.forEach((v, i) => {
    if (v !== null && (at < 0 || better(v, c[at] as number))) at = i;
  });
  return at;
};

void test('a short series is kept whole', () => {
  assert.deepEqual(downsampleIndices(5, [[1, 2, 3, 4, 5]], 100), [0, 1, 2, 3, 4]);
});

void test('100k points: bounded count, first and last, every spike and dip, fast', () => {
  const n = 100_000;
  const a = Array.from({ length: n }, (_, i) => Math.sin(i / 500));
  const b: (number | null)[] = Array.from({ length: n }, (_, i) => (i % 7 ? Math.cos(i) : null));
  a[12_345] = 50; // a spike
  a[67_890] = -50; // a dip
  b[99_001] = 1e6;
  const t0 = performance.now();
  const keep = downsampleIndices(n, [a, b], 2000);
  const ms = performance.now() - t0;
  assert.ok(keep.length <= 2000, `kept ${keep.length}`);
  assert.ok(keep.length >= 1000, `kept only ${keep.length}`);
  assert.equal(keep[0], 0);
  assert.equal(keep[keep.length - 1], n - 1);
  for (const i of [12_345, 67_890, 99_001]) assert.ok(keep.includes(i), `lost index ${i}`);
  for (const c of [a, b]) {
    assert.ok(keep.includes(argExtreme(c, (x, y) => x < y)));
    assert.ok(keep.includes(argExtreme(c, (x, y) => x > y)));
  }
  assert.ok(
    keep.every((v, i) => i === 0 || v > keep[i - 1]),
    'indices ascend',
  );
  assert.ok(ms < 250, `took ${ms.toFixed(0)} ms`);
});

void test('the min and max of every bucket survive, so the envelope is unchanged', () => {
  const n = 10_000;
  const c = Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 10);
  const [x, y] = thinAligned(
    Array.from({ length: n }, (_, i) => i),
    [c],
    500,
  );
  assert.equal(x.length, y.length);
  assert.ok(x.length <= 500);
  const values = y.filter((v): v is number => v !== null);
  assert.equal(Math.max(...values), Math.max(...c));
  assert.equal(Math.min(...values), Math.min(...c));
  assert.deepEqual(
    x.map((i) => c[i]),
    y,
    'x and y stay paired',
  );
});

void test('with no curve it still thins evenly and keeps the ends', () => {
  const keep = downsampleIndices(1000, [], 10);
  assert.ok(keep.length <= 10);
  assert.equal(keep[0], 0);
  assert.equal(keep[keep.length - 1], 999);
});
