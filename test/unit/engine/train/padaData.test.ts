import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseCheckpointHeader } from '../../../../server/src/engine/train/checkpointHeader';
import { Rng } from '#shared/rng';
import { BatchSampler } from '../../../../server/src/engine/data/dataSampler';

void describe('BatchSampler pada', () => {
  void test('epoch 0 is a permutation with weights 1; then p = τ·g/Σg + (1 − τ)/n, by hand', () => {
    const s = new BatchSampler(8, 4, new Rng(1), 'pada', { reweight: true });
    // Epoch 0 begins at progress 0.5: τ = 0.5 when it closes.
    const first = s.next(0.5);
    assert.deepEqual([...first.weights], [1, 1, 1, 1]);
    const second = s.next(0.55);
    assert.deepEqual(
      [...first.indices, ...second.indices].sort(),
      [0, 1, 2, 3, 4, 5, 6, 7],
      'a permutation',
    );
    assert.equal(s.probability(3, 0.5), 1 / 8);
    // Image 0 is seen twice: its first value, then the mean with the second. 6 and 7 unseen.
    s.observe([0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6]);
    s.observe([0], [9]);
    const g = [5, 2, 3, 4, 5, 6, 0, 0];
    const batch = s.next(0.6);
    assert.equal(s.epoch, 1);
    // Σg = 25: pᵢ = 0.5·gᵢ/25 + 0.5/8.
    const p = g.map((x) => x / 50 + 1 / 16);
    g.forEach((_, i) => assert.ok(Math.abs(s.probability(i, 0.9) - p[i]) < 1e-7, `p${i}`));
    // With reweighting, each image's loss weight is 1/(n·pᵢ).
    batch.indices.forEach((i, k) =>
      assert.ok(Math.abs(batch.weights[k] - 1 / (8 * p[i])) < 1e-5, `weight of ${i}`),
    );
  });

  void test('draws follow the weights of the epoch before (seeded, within 5 standard deviations)', () => {
    const n = 20000;
    const s = new BatchSampler(n, 100, new Rng(2), 'pada');
    s.next(0.4);
    // Four groups of images, by i mod 4, with norms 1, 2, 3 and 4.
    const all = Int32Array.from({ length: n }, (_, i) => i);
    s.observe(
      all,
      Float32Array.from(all, (i) => 1 + (i % 4)),
    );
    for (let b = 1; b < s.stepsPerEpoch; b++) s.next(0.42);
    const counts = [0, 0, 0, 0];
    let unit = true;
    for (let b = 0; b < s.stepsPerEpoch; b++) {
      const batch = s.next(0.45);
      batch.indices.forEach((i) => counts[i % 4]++);
      unit &&= batch.weights.every((w) => w === 1);
    }
    assert.ok(unit, 'without padaReweight the loss is the plain mean, as in the paper’s code');
    // A group's probability: 5000 × (0.4·(c + 1)/50000 + 0.6/20000) = 0.04·(c + 1) + 0.15.
    counts.forEach((k, c) => {
      const want = 0.04 * (c + 1) + 0.15;
      const sd = Math.sqrt((want * (1 - want)) / n);
      assert.ok(Math.abs(k / n - want) < 5 * sd, `group ${c}: ${k / n} against ${want}`);
    });
  });

  void test('reweighting by 1/(n·p) makes the loss unbiased; without it the mean leans to high norms', () => {
    // Hand example: n = 4, norms (1, 1, 1, 5), τ = 1/2: p = (3/16, 3/16, 3/16, 7/16), and
    // Σᵢ pᵢ·1/(4pᵢ)·ℓᵢ = Σᵢ ℓᵢ/4 exactly, the mean loss; unweighted, Σᵢ pᵢ·ℓᵢ.
    const norms = [1, 1, 1, 5];
    const losses = [1, 2, 3, 4];
    const p = [3 / 16, 3 / 16, 3 / 16, 7 / 16];
    const weighted = p.reduce((a, pi, i) => a + pi * (1 / (4 * pi)) * losses[i], 0);
    assert.ok(Math.abs(weighted - 2.5) < 1e-12, `${weighted}`);
    const plain = p.reduce((a, pi, i) => a + pi * losses[i], 0);
    assert.ok(Math.abs(plain - 2.875) < 1e-12, `${plain}`);

    // The same with the sampler's draws: every epoch starts at τ = 1/2 and sees every image.
    const run = (reweight: boolean): number => {
      const s = new BatchSampler(4, 2, new Rng(3), 'pada', { reweight });
      let sum = 0;
      let count = 0;
      for (let epoch = 0; epoch < 4001; epoch++) {
        for (let b = 0; b < 2; b++) {
          const batch = s.next(0.5);
          if (epoch === 0) continue;
          batch.indices.forEach((i, k) => {
            sum += batch.weights[k] * losses[i];
            count++;
          });
          if (epoch === 1 && b === 0)
            batch.indices.forEach((i) => assert.ok(Math.abs(s.probability(i, 0.5) - p[i]) < 1e-7));
        }
        s.observe([0, 1, 2, 3], norms);
      }
      return sum / count;
    };
    // 16 000 draws: the standard deviation of the weighted mean is about 0.008.
    const unbiased = run(true);
    assert.ok(Math.abs(unbiased - 2.5) < 0.04, `reweighted mean ${unbiased}`);
    const leaning = run(false);
    assert.ok(Math.abs(leaning - 2.875) < 0.04, `plain mean ${leaning}`);
  });

  void test('a restored sampler continues exactly, mid-epoch and across epochs', () => {
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
    const s = new BatchSampler(97, 8, rng, 'pada', { reweight: true });
    run(s, rng, 0, 29);
    const snapshot = JSON.stringify({ sampler: s.state(), rng: rng.state() });
    const expected = run(s, rng, 29, 30);
    const saved = JSON.parse(snapshot);
    const header = parseCheckpointHeader('ck', headerWith(saved.sampler));
    const rng2 = new Rng(saved.rng);
    const resumed = new BatchSampler(97, 8, rng2, 'pada', { reweight: true });
    resumed.restore(header.batches);
    assert.deepEqual(run(resumed, rng2, 29, 30), expected);
    assert.equal(resumed.epoch, s.epoch);
    assert.ok(s.epoch >= 4);
  });

  void test('the checkpoint header checks the pada fields and reads older headers without them', () => {
    const s = new BatchSampler(10, 2, new Rng(1), 'pada');
    s.next(0.1);
    const state = s.state() as unknown as Record<string, unknown>;
    assert.equal(parseCheckpointHeader('ck', headerWith(state)).batches.mode, 'pada');
    const older = (b: object) =>
      Object.fromEntries(
        Object.entries(b).filter(([k]) => k !== 'distribution' && k !== 'epochStart'),
      );
    parseCheckpointHeader('ck', headerWith(older(state)));
    parseCheckpointHeader(
      'ck',
      headerWith(older(new BatchSampler(10, 2, new Rng(1), 'shuffle').state())),
    );
    assert.throws(
      () => parseCheckpointHeader('ck', headerWith({ ...state, distribution: 3 })),
      /header field 'batches.distribution' must be a string\. The checkpoint is not usable/,
    );
    assert.throws(
      () => parseCheckpointHeader('ck', headerWith({ ...state, epochStart: 2 })),
      /header field 'batches.epochStart' must be at most 1 \(it is 2\)/,
    );
    assert.throws(
      () => parseCheckpointHeader('ck', headerWith({ ...state, mode: 'later' })),
      /header field 'batches.mode' must be one of 'shuffle', 'importance', 'pada'/,
    );
  });
});

/** A valid checkpoint header around `batches`. */
function headerWith(batches: unknown): unknown {
  return {
    version: 1,
    runId: 'r',
    spaceKey: 'k',
    backend: 'wasm',
    step: 3,
    totalSteps: 10,
    optimizerSteps: 3,
    samplerRng: [1, 2, 3, 4],
    dataRng: [5, 6, 7, 8],
    elapsedSeconds: 1,
    sampler: { type: 'pada' },
    batches,
  };
}
