import test from 'node:test';
import assert from 'node:assert/strict';
import { pairedClaim } from '../../../../server/src/engine/ranking/pairedClaim';
import { kendallTauB } from '../../../../server/src/engine/search/rankCorrelation';
import { quantile } from '../../../../server/src/engine/search/rankingStats';

void test('a perfect predictor against a reversed baseline: τ 1 against −1, and every draw says 2', () => {
  const c = pairedClaim({
    predicted: [[1, 2, 3, 4]],
    truthRuns: [[0.1], [0.2], [0.3], [0.4]],
    baselines: [
      { name: 'macs', values: [4, 3, 2, 1] },
      { name: 'params', values: [1, 3, 2, 4] },
    ],
  });
  assert.equal(c.kendallTau, 1);
  assert.deepEqual(c.baselines, [
    { name: 'macs', kendallTau: -1 },
    { name: 'params', kendallTau: 2 / 3 },
  ]);
  assert.equal(c.best, 'params');
  assert.ok(Math.abs(c.advantage - 1 / 3) < 1e-12);
  // In each draw the best baseline is chosen again: params (τ ≤ 1) or reversed MACs; the
  // supernet is perfect in every draw, so the difference is never negative.
  assert.ok(c.advantageInterval[0] >= 0);
});

void test('a bootstrap with seed resampling: the interval is the exact distribution’s, by enumeration', () => {
  // Subnet c was trained twice (0.0 and 0.4, mean 0.2); a and b once. The supernet orders
  // a < c < b, as the mean truth does; the baseline a < b < c.
  const truthRuns = [[0.1], [0.3], [0.0, 0.4]];
  const predicted = [1, 3, 2];
  const baseline = [1, 2, 3];
  const c = pairedClaim(
    { predicted: [predicted], truthRuns, baselines: [{ name: 'b', values: baseline }] },
    { resamples: 20000, seed: 3 },
  );
  assert.ok(Math.abs(c.advantage - (1 - 1 / 3)) < 1e-12);
  // Exact: 27 equally likely row draws × c's truth 0.0 (¼), 0.2 (½), 0.4 (¼).
  const dist: { v: number; p: number }[] = [];
  for (let r = 0; r < 27; r++) {
    const rows = [r % 3, Math.floor(r / 3) % 3, Math.floor(r / 9)];
    for (const [cTruth, p] of [
      [0.0, 0.25],
      [0.2, 0.5],
      [0.4, 0.25],
    ]) {
      const truth = rows.map((i) => (i === 2 ? cTruth : truthRuns[i][0]));
      const v =
        kendallTauB(
          rows.map((i) => predicted[i]),
          truth,
        ) -
        kendallTauB(
          rows.map((i) => baseline[i]),
          truth,
        );
      if (Number.isFinite(v)) dist.push({ v, p: p / 27 });
    }
  }
  const total = dist.reduce((a, d) => a + d.p, 0);
  const exactQuantile = (q: number) => {
    const sorted = [...dist].sort((a, b) => a.v - b.v);
    let acc = 0;
    for (const d of sorted) if ((acc += d.p / total) >= q) return d.v;
    return sorted.at(-1)!.v;
  };
  assert.ok(
    Math.abs(c.advantageInterval[0] - exactQuantile(0.025)) < 0.05,
    `${c.advantageInterval[0]} vs ${exactQuantile(0.025)}`,
  );
  assert.ok(
    Math.abs(c.advantageInterval[1] - exactQuantile(0.975)) < 0.05,
    `${c.advantageInterval[1]} vs ${exactQuantile(0.975)}`,
  );
  // Without c's second seed the truth cannot move: the lower end is higher.
  const fixed = pairedClaim(
    {
      predicted: [predicted],
      truthRuns: [[0.1], [0.3], [0.2]],
      baselines: [{ name: 'b', values: baseline }],
    },
    { resamples: 20000, seed: 3 },
  );
  assert.ok(fixed.advantageInterval[0] > c.advantageInterval[0]);
  assert.equal(quantile([1, 2], 0.5), 1.5);
});

void test('several supernet seeds: τ is their mean, and a draw takes one of them', () => {
  const truthRuns = Array.from({ length: 12 }, (_, i) => [i / 12, i / 12 + 0.01]);
  const good = truthRuns.map((_, i) => i);
  const noisy = truthRuns.map((_, i) => (i % 2 ? i : 11 - i));
  const c = pairedClaim(
    { predicted: [good, noisy], truthRuns, baselines: [{ name: 'none', values: noisy }] },
    { seed: 1 },
  );
  const tauNoisy = kendallTauB(
    noisy,
    truthRuns.map((r) => (r[0] + r[1]) / 2),
  );
  assert.ok(Math.abs(c.kendallTau - (1 + tauNoisy) / 2) < 1e-12);
  // Half the draws use the noisy column, whose advantage over itself is 0.
  assert.ok(c.advantageInterval[0] <= 1e-12 && c.advantageInterval[1] > 0);
  assert.throws(
    () => pairedClaim({ predicted: [[1]], truthRuns, baselines: [] }),
    /one score per subnet/,
  );
});
