import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { learningRate } from '../../../../server/src/engine/train/lrSchedule';
import { smallConfig } from './fixtures';

const train = (type: string, warmupEpochs: number, minLr: number) => {
  const t = smallConfig().train;
  return { ...t, optimizer: { ...t.optimizer, lr: 0.1 }, schedule: { type, warmupEpochs, minLr } };
};

void describe('learningRate', () => {
  const total = 100;
  const perEpoch = 10;

  void test('warms up linearly over warmupEpochs, reaching the peak at its last step', () => {
    const t = train('cosine', 2, 0.001);
    const warm = Array.from({ length: 20 }, (_, s) => learningRate(s, total, perEpoch, t));
    warm.forEach((lr, s) =>
      assert.ok(Math.abs(lr - (0.1 * (s + 1)) / 20) < 1e-12, `step ${s}: ${lr}`),
    );
    assert.ok(Math.abs(learningRate(19, total, perEpoch, t) - 0.1) < 1e-12);
    assert.ok(Math.abs(learningRate(20, total, perEpoch, t) - 0.1) < 1e-12);
  });

  void test('cosine decays monotonically from lr towards minLr, reached one step after the last', () => {
    const t = train('cosine', 0.5, 0.001);
    const lrs = Array.from({ length: total }, (_, s) => learningRate(s, total, perEpoch, t));
    for (let s = 6; s < total; s++) assert.ok(lrs[s] <= lrs[s - 1], `step ${s}`);
    assert.ok(Math.abs(lrs[5] - 0.1) < 1e-12);
    assert.ok(lrs[total - 1] > 0.001 && lrs[total - 1] < 0.002, 'the last step still moves');
    assert.ok(Math.abs(learningRate(total, total, perEpoch, t) - 0.001) < 1e-12);
    const mid = 5 + (total - 5) / 2;
    assert.ok(
      Math.abs(learningRate(mid, total, perEpoch, t) - (0.1 + 0.001) / 2) < 1e-12,
      'half-way is the mean',
    );
  });

  void test('without warm-up the first step runs at the peak; constant stays there', () => {
    assert.equal(learningRate(0, total, perEpoch, train('cosine', 0, 0)), 0.1);
    const t = train('constant', 1, 0);
    assert.ok(Math.abs(learningRate(4, total, perEpoch, t) - 0.05) < 1e-12);
    for (const s of [10, 50, 99]) assert.equal(learningRate(s, total, perEpoch, t), 0.1);
  });
});
