import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '#shared/rng';
import { BatchSampler } from '../../../../server/src/engine/data/dataSampler';

void describe('BatchSampler shuffle', () => {
  void test('each epoch is a permutation cut into full batches; the remainder is dropped', () => {
    const sampler = new BatchSampler(103, 10, new Rng(1), 'shuffle');
    assert.equal(sampler.stepsPerEpoch, 10);
    const epochs: number[][] = [];
    for (let e = 0; e < 3; e++) {
      assert.equal(sampler.epoch, e === 0 ? 0 : e - 1);
      const seen: number[] = [];
      for (let b = 0; b < sampler.stepsPerEpoch; b++) {
        const batch = sampler.next();
        assert.equal(batch.indices.length, 10);
        assert.deepEqual([...batch.weights], new Array<number>(10).fill(1));
        seen.push(...batch.indices);
      }
      assert.equal(new Set(seen).size, 100, 'no index twice in an epoch');
      assert.ok(seen.every((i) => i >= 0 && i < 103));
      epochs.push(seen);
    }
    assert.notDeepEqual(epochs[0], epochs[1]);
    assert.equal(sampler.epoch, 2);
  });

  void test('rejects a batch larger than the data', () => {
    assert.throws(() => new BatchSampler(5, 6, new Rng(1), 'shuffle'), RangeError);
  });
});

void describe('BatchSampler importance', () => {
  void test('moves mass toward high-loss images, with loss weights 1/(n·p)', () => {
    const n = 1000;
    const sampler = new BatchSampler(n, 50, new Rng(2), 'importance', { importanceWeight: 0.5 });
    const all = Int32Array.from({ length: n }, (_, i) => i);
    // The first 100 images are misclassified (large ‖softmax − onehot‖), the rest nearly right.
    sampler.observe(
      all,
      Float32Array.from(all, (i) => (i < 100 ? 1.4 : 0.01)),
    );
    const uniformHard = new BatchSampler(n, 50, new Rng(2), 'importance');
    let hard = 0;
    let drawn = 0;
    let weightSum = 0;
    let estimate = 0;
    for (let b = 0; b < 400; b++) {
      const batch = sampler.next(1);
      for (let k = 0; k < batch.indices.length; k++) {
        const i = batch.indices[k];
        drawn++;
        if (i < 100) hard++;
        weightSum += batch.weights[k];
        estimate += batch.weights[k] * (i < 100 ? 1 : 0);
        assert.ok(Math.abs(batch.weights[k] - 1 / (n * sampler.probability(i, 1))) < 1e-4);
      }
    }
    // p(hard) = 100 × (0.5/1000 + 0.5 × 1.4/149) ≈ 0.52, against 0.1 when uniform.
    assert.ok(hard / drawn > 0.45 && hard / drawn < 0.6, `hard share ${hard / drawn}`);
    // The weights keep the loss unbiased: the weighted share estimates the true share 0.1.
    assert.ok(Math.abs(estimate / drawn - 0.1) < 0.02, `weighted estimate ${estimate / drawn}`);
    assert.ok(Math.abs(weightSum / drawn - 1) < 0.1, `mean weight ${weightSum / drawn}`);
    // Before any observation, and at progress 0, sampling is uniform.
    assert.equal(uniformHard.probability(0, 1), 1 / n);
    assert.equal(sampler.probability(0, 0), 1 / n);
  });

  void test('handles 60,000 images at a few milliseconds per step', () => {
    const n = 60000;
    const rng = new Rng(3);
    const sampler = new BatchSampler(n, 64, rng, 'importance');
    const values = new Float32Array(64);
    const t0 = performance.now();
    for (let step = 0; step < 200; step++) {
      const b = sampler.next(step / 200);
      for (let k = 0; k < 64; k++) values[k] = rng.next() * 1.4;
      sampler.observe(b.indices, values);
    }
    const ms = (performance.now() - t0) / 200;
    assert.ok(ms < 20, `${ms.toFixed(2)} ms per step`);
  });
});

void describe('BatchSampler state', () => {
  for (const mode of ['shuffle', 'importance'] as const) {
    void test(`${mode}: a restored sampler continues exactly, mid-epoch`, () => {
      const run = (s: BatchSampler, rng: Rng, from: number, steps: number): number[][] => {
        const out: number[][] = [];
        for (let step = from; step < from + steps; step++) {
          const b = s.next(step / 100);
          s.observe(
            b.indices,
            Float32Array.from(b.indices, () => rng.next()),
          );
          out.push([...b.indices, ...b.weights]);
        }
        return out;
      };
      const rng = new Rng(5);
      const s = new BatchSampler(97, 8, rng, mode);
      run(s, rng, 0, 17);
      const snapshot = JSON.stringify({ sampler: s.state(), rng: rng.state() });
      const expected = run(s, rng, 17, 30);
      const saved = JSON.parse(snapshot);
      const rng2 = new Rng(saved.rng);
      const resumed = new BatchSampler(97, 8, rng2, mode);
      resumed.restore(saved.sampler);
      assert.deepEqual(run(resumed, rng2, 17, 30), expected);
      assert.equal(resumed.epoch, s.epoch);
    });
  }

  void test('refuses the state of another data set', () => {
    const a = new BatchSampler(10, 2, new Rng(1), 'shuffle');
    const b = new BatchSampler(11, 2, new Rng(1), 'shuffle');
    assert.throws(() => b.restore(a.state()), /over 10 images/);
  });
});
