import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { splitTrainValidation } from '../../../../server/src/engine/data/split';

void describe('splitTrainValidation', () => {
  void test('the same seed gives the same split, another seed another', () => {
    const a = splitTrainValidation(60000, 0.1, 42);
    const b = splitTrainValidation(60000, 0.1, 42);
    const c = splitTrainValidation(60000, 0.1, 43);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.validation, c.validation);
  });

  void test('round(n × fraction) held out; disjoint, sorted and covering 0..n-1', () => {
    for (const [n, f] of [
      [60000, 0.1],
      [10000, 0.25],
      [7, 0.5],
      [1, 0.1],
      [0, 0.3],
    ] as const) {
      const { train, validation } = splitTrainValidation(n, f, 7);
      assert.equal(validation.length, Math.round(n * f), `n=${n} f=${f}`);
      assert.equal(train.length + validation.length, n);
      const seen = new Uint8Array(n);
      for (const xs of [train, validation]) {
        for (let i = 0; i < xs.length; i++) {
          if (i > 0) assert.ok(xs[i] > xs[i - 1], 'ascending');
          assert.equal(seen[xs[i]]++, 0, `index ${xs[i]} twice`);
        }
      }
      assert.ok(seen.every((s) => s === 1));
    }
  });

  void test('the held-out images are spread over the data, not a block', () => {
    const { validation } = splitTrainValidation(10000, 0.1, 1);
    const firstHalf = validation.filter((i) => i < 5000).length;
    assert.ok(firstHalf > 400 && firstHalf < 600, `${firstHalf} of 1000 in the first half`);
  });

  void test('bad arguments are range errors', () => {
    assert.throws(() => splitTrainValidation(10, 1, 0), RangeError);
    assert.throws(() => splitTrainValidation(10, -0.1, 0), RangeError);
    assert.throws(() => splitTrainValidation(2.5, 0.1, 0), RangeError);
    assert.throws(() => splitTrainValidation(2, 0.9, 0), /leaves none to train on/);
  });
});
