import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import '@tensorflow/tfjs-backend-wasm';
import { ensureTfjsGradients } from '../../../../server/src/engine/backend/tfjsGradients';
import { registerWasmGradientKernels } from '../../../../server/src/engine/backend/wasmGradKernels';
import { Trainer } from '../../../../server/src/engine/train/trainer';
import { useBackend } from '../backend/backendParity';
import { resumeThroughHeader, smallConfig, syntheticGather } from './fixtures';

/**
 * Real training steps with the pada sampler, through Trainer.step as the training loop
 * takes them: 24 images in batches of 4 (6 steps an epoch), 14 steps, so that two epochs
 * close and the second (begun at progress 6/14) moves both distributions off uniform; and a
 * run stopped at step 9, checkpointed through the header's JSON and its checks, and resumed,
 * must give the same losses and weights, bit for bit.
 */

const IMAGES = 24;
const TOTAL = 14;
const config = smallConfig({
  batchSize: 4,
  sampler: { type: 'pada', padaReweight: true },
});

before(async () => {
  await ensureTfjsGradients();
  registerWasmGradientKernels();
  await useBackend('wasm');
});

const gather = syntheticGather(IMAGES);

/** Steps [from, to) of `trainer`; the losses of each. */
function train(trainer: Trainer, from: number, to: number): number[][] {
  const out: number[][] = [];
  for (let step = from; step < to; step++) {
    const { subnets, outcome } = trainer.step(
      { step, totalSteps: TOTAL, stepsPerEpoch: 6, lr: 0.05 },
      gather,
      trainer.runner,
    );
    assert.equal(subnets.length, 1, 'one path per step');
    out.push(outcome.losses);
  }
  return out;
}

const weightsOf = (t: Trainer): Float32Array[] => t.tensorRecords().map((r) => r.data);

void test('pada trains and learns its path and data distributions', () => {
  const trainer = new Trainer(config, IMAGES);
  try {
    assert.ok(trainer.measuresGradients && trainer.weightsLoss);
    const losses = train(trainer, 0, TOTAL);
    assert.ok(losses.flat().every(Number.isFinite), `losses ${losses.join(' ')}`);
    const p = trainer.sampler.probabilities()['stage1.block1.kernel'];
    assert.ok(
      p.some((x) => Math.abs(x - 1 / 3) > 1e-3),
      `path distribution still uniform: ${p.join(', ')}`,
    );
    const data = Array.from({ length: IMAGES }, (_, i) => trainer.batches.probability(i, 1));
    assert.ok(
      data.some((x) => Math.abs(x - 1 / IMAGES) > 1e-4),
      'data distribution still uniform',
    );
  } finally {
    trainer.dispose();
  }
});

// At an epoch's end (its updates made) and in the middle of one (its norms half gathered).
for (const stop of [6, 9]) {
  void test(`a pada run stopped at step ${stop} resumes bit for bit`, () => {
    const whole = new Trainer(config, IMAGES);
    const stopped = new Trainer(config, IMAGES);
    const resumed = new Trainer(config, IMAGES);
    try {
      const losses = train(whole, 0, TOTAL);
      assert.deepEqual(train(stopped, 0, stop), losses.slice(0, stop));
      resumeThroughHeader(stopped, resumed, { runId: 'pada', step: stop, totalSteps: TOTAL });
      assert.deepEqual(train(resumed, stop, TOTAL), losses.slice(stop));
      assert.deepEqual(weightsOf(resumed), weightsOf(whole));
      assert.deepEqual(resumed.sampler.state(), whole.sampler.state());
      assert.deepEqual(resumed.batches.state(), whole.batches.state());
    } finally {
      whole.dispose();
      stopped.dispose();
      resumed.dispose();
    }
  });
}
