// The pytorch backend against the engine's own step: from the same initial weights, sampler
// streams and batches, its steps give the same losses, gradient figures and weights (1e-4
// relative), in one process and in two under torchrun (DDP with synchronised batch norm).
// Needs a Python with torch (Debian's python3-torch: CI installs it; SUPERNET_PYTHON or
// python3 / /usr/bin/python3).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { SupernetConfig } from '../../server/src/config/configSchema';
import { selectBackend } from '../../server/src/engine/backend/selectBackend';
import { Trainer } from '../../server/src/engine/train/trainer';
import type { StepOutcome } from '../../server/src/engine/train/trainStep';
import { ComputeProcess } from '../../server/src/engine/torch/computeProcess';
import { findTorchPython } from '../../server/src/python/pythonEnv';
import { TorchStepRunner } from '../../server/src/engine/torch/torchStepRunner';
import { smallConfig, syntheticGather } from '../unit/engine/train/fixtures';

const IMAGES = 48;
const STEPS = 3;
const gather = syntheticGather(IMAGES);
const at = (step: number) => ({ step, totalSteps: 12, stepsPerEpoch: 6, lr: 0.05 });

interface Steps {
  outcomes: StepOutcome[];
  state: Map<string, Float32Array>;
}

function tfjsSteps(config: SupernetConfig): Steps {
  const t = new Trainer(config, IMAGES);
  const outcomes = [];
  for (let s = 0; s < STEPS; s++) outcomes.push(t.step(at(s), gather, t.runner).outcome);
  const state = new Map(t.tensorRecords().map((r) => [r.name, r.data]));
  t.dispose();
  return { outcomes, state };
}

async function torchSteps(config: SupernetConfig, compute: ComputeProcess): Promise<Steps> {
  const t = new Trainer(config, IMAGES);
  const runner = new TorchStepRunner(t, config, compute);
  const outcomes = [];
  for (let s = 0; s < STEPS; s++) outcomes.push((await t.stepAsync(at(s), gather, runner)).outcome);
  await runner.sync();
  const state = new Map(t.tensorRecords().map((r) => [r.name, r.data]));
  t.dispose();
  return { outcomes, state };
}

/** |a − b| ≤ tol·max(|a|, |b|, floor), element by element; `floor` keeps values near 0 meaningful. */
function close(
  what: string,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  tol = 1e-4,
  floor = 1e-3,
): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const rel = Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), floor);
    if (rel > worst) [worst, at] = [rel, i];
  }
  assert.ok(
    worst <= tol,
    `${what}: ${a[at]} against ${b[at]} at ${at} (relative ${worst.toExponential(2)})`,
  );
}

// Weights are compared element by element, judged against at least 1e-2: an element whose
// gradient is zero but for rounding (a batch norm's shift followed by another batch norm,
// ~1e-8 after three steps) differs by float32 noise, not by a relative error.

/**
 * Losses and weights within `tol` (1e-4 relative, the bar); the gradient figures,
 * which the dashboard draws and the samplers learn from, within 1e-3; the optimizer's slots
 * (sums of gradients) against the largest slot of the net, within 1e-3.
 */
function same(torch: Steps, ref: Steps, tol = 1e-4): void {
  torch.outcomes.forEach((o, i) => {
    const r = ref.outcomes[i];
    close(`step ${i + 1} losses`, o.losses, r.losses, tol);
    if (r.distillLoss !== undefined)
      close(`step ${i + 1} distillation`, [o.distillLoss!], [r.distillLoss], tol, 1e-2);
    close(
      `step ${i + 1} gradient variance`,
      [o.gradVariance.total, ...o.gradVariance.stages],
      [r.gradVariance.total, ...r.gradVariance.stages],
      1e-3,
    );
    if (r.feedback)
      r.feedback.forEach((f, k) =>
        close(
          `step ${i + 1} subnet ${k + 1} gradient norms`,
          [o.feedback![k].totalGradNorm, ...o.feedback![k].stageGradNorms],
          [f.totalGradNorm, ...f.stageGradNorms],
          1e-3,
        ),
      );
    if (r.errorNorms) close(`step ${i + 1} error norms`, o.errorNorms!, r.errorNorms);
  });
  assert.deepEqual([...torch.state.keys()].sort(), [...ref.state.keys()].sort());
  let slotScale = 0;
  for (const [name, data] of ref.state)
    if (name.startsWith('opt.')) for (const v of data) slotScale = Math.max(slotScale, Math.abs(v));
  for (const [name, data] of ref.state)
    if (name.startsWith('opt.'))
      close(name, torch.state.get(name)!, data, Math.max(1e-3, tol), slotScale);
    else close(name, torch.state.get(name)!, data, tol, 1e-2);
}

/** Sandwich rule (4 subnets), in-place distillation, SGD with Nesterov momentum, kernel transforms, elastic resolution. */
const sandwich = smallConfig({
  batchSize: 8,
  distillation: true,
  kernelTransform: true,
  sampler: { type: 'sandwich', subnets: 4 },
});

/**
 * Importance sampling (gradient norms, per-image errors and loss weights), each-subnet decay,
 * DεpS's gradient scale; plain SGD. (Not Adam: it turns gradients that are zero but for
 * rounding, such as a batch norm shift's before another batch norm, into full-size updates
 * of either sign, so two correct implementations part at once.)
 */
const importance = smallConfig({
  batchSize: 8,
  optimizer: { ...smallConfig().train.optimizer, momentum: 0 },
  weightDecay: 1e-3,
  weightDecayScope: 'each-subnet',
  sampler: { type: 'importance', subnets: 3 },
  deps: { start: 0, lrRamp: 0.5, lrScale: 0.5 },
});

let single: ComputeProcess;
before(async () => {
  await selectBackend('wasm');
  const python = findTorchPython({ device: 'cpu', world: 2 });
  single = await ComputeProcess.open({
    python,
    device: 'cpu',
    threads: 1,
    nprocPerNode: 1,
    nnodes: 1,
    rdzvTimeout: 60,
  });
});
after(() => single?.close());

void test('3 sandwich steps on pytorch equal the engine’s: losses, gradient variance and weights within 1e-4', async () => {
  same(await torchSteps(sandwich, single), tfjsSteps(sandwich));
});

void test('importance sampling, DεpS and each-subnet decay on pytorch: gradient norms, error norms and weights as the engine’s', async () => {
  const ref = tfjsSteps(importance);
  assert.ok(
    ref.outcomes[0].feedback && ref.outcomes[0].errorNorms,
    'the sampler measures gradients and errors',
  );
  same(await torchSteps(importance, single), ref);
});

void test('two processes under torchrun (DDP, synchronised batch norm, the batch scattered) give one process’s steps', async () => {
  const python = findTorchPython({ device: 'cpu', world: 2 });
  const two = await ComputeProcess.open({
    python,
    device: 'cpu',
    threads: 1,
    nprocPerNode: 2,
    nnodes: 1,
    rdzvTimeout: 60,
  });
  try {
    assert.equal(two.hello!.worldSize, 2);
    assert.equal(two.hello!.distributed, 'gloo');
    // Batch norm's statistics summed across ranks round differently: a few activations on
    // ReLU6's edges flip, which moves some gradients by up to 1e-2 of their scale by step 3
    // (after one step the two agree within 5e-6).
    same(await torchSteps(sandwich, two), tfjsSteps(sandwich), 1e-2);
    // Per-image loss weights and error norms: scattered with the images, gathered back in order.
    same(await torchSteps(importance, two), tfjsSteps(importance), 1e-2);
  } finally {
    await two.close();
  }
  assert.equal(tf.memory().numTensors >= 0, true);
});
