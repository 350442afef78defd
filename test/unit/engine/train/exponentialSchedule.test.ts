import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainConfig } from '../../../../server/src/config/configSchema';
import { learningRate } from '../../../../server/src/engine/train/lrSchedule';
import { smallConfig } from './fixtures';

/** The small config's train section with lr 0.1 and this schedule. */
const train = (schedule: Partial<TrainConfig['schedule']>): TrainConfig => {
  const t = smallConfig().train;
  return {
    ...t,
    optimizer: { ...t.optimizer, lr: 0.1 },
    schedule: { ...t.schedule, type: 'exponential', ...schedule },
  };
};

const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a}, expected ${b}`);

void describe('exponential schedule with a constant ending (BigNAS)', () => {
  // 100 steps of 10 an epoch; warm-up 1 epoch; ×0.5 every half epoch (5 steps); floor 10%.
  const t = train({ warmupEpochs: 1, decay: 0.5, decayEpochs: 0.5, endRatio: 0.1 });
  const lr = (step: number) => learningRate(step, 100, 10, t);

  void test('warms up linearly as the other schedules do, ending on the peak', () => {
    near(lr(0), 0.01, 'step 0');
    near(lr(4), 0.05, 'step 4');
    near(lr(9), 0.1, 'step 9');
  });

  void test('decays as a staircase from the end of warm-up, every decayEpochs', () => {
    near(lr(10), 0.1, 'step 10: t = 0');
    near(lr(14), 0.1, 'step 14: t = 4, the first stair not yet');
    near(lr(15), 0.05, 'step 15: one decay');
    near(lr(19), 0.05, 'step 19');
    near(lr(20), 0.025, 'step 20: two');
    near(lr(25), 0.0125, 'step 25: three');
  });

  void test('stops at endRatio × lr and stays there to the end', () => {
    // 0.1 × 0.5⁴ = 0.00625 would be below the floor 0.01.
    near(lr(30), 0.01, 'step 30');
    near(lr(31), 0.01, 'step 31');
    near(lr(99), 0.01, 'the last step');
    near(lr(100), 0.01, 'past the end');
  });

  void test('defaults: ×0.97 with the floor at 5%, reached two thirds of the way', () => {
    // 1000 steps, no warm-up: ln 0.05 / ln 0.97 = 98.352 decays in 666.67 steps, one every
    // 6.7784 steps; the 99th (0.1 × 0.97⁹⁹ < 0.005) at step ⌈99 × 6.7784⌉ = 672.
    const d = train({});
    const at = (step: number) => learningRate(step, 1000, 100, d);
    near(at(0), 0.1, 'step 0');
    near(at(6), 0.1, 'step 6');
    near(at(7), 0.097, 'step 7');
    near(at(13), 0.097, 'step 13');
    near(at(14), 0.1 * 0.97 ** 2, 'step 14');
    near(at(671), 0.1 * 0.97 ** 98, 'step 671, the last stair above the floor');
    assert.ok(at(671) > 0.005);
    near(at(672), 0.005, 'step 672, the floor');
    near(at(999), 0.005, 'the last step');
  });

  void test('a run too short for a whole decay step stays at the peak after warm-up', () => {
    const s = train({ decayEpochs: 20 });
    for (const step of [0, 50, 99]) near(learningRate(step, 100, 10, s), 0.1, `step ${step}`);
  });
});
