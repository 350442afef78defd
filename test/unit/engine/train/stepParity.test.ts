import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import { ensureTfjsGradients } from '../../../../server/src/engine/backend/tfjsGradients';
import { registerWasmGradientKernels } from '../../../../server/src/engine/backend/wasmGradKernels';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { Rng } from '#shared/rng';
import { randomArch } from '../../../../server/src/space/randomArch';
import { serialStepRunner } from '../../../../server/src/engine/train/trainStep';
import type { SampledSubnet } from '../../../../server/src/engine/train/samplers/samplerTypes';
import { randomTensor, useBackend } from '../backend/backendParity';
import { smallConfig } from './fixtures';

/**
 * Whole training steps on wasm, with every fast path the engine adds there (SIMD depthwise
 * kernels and batch-norm reductions, composed conv gradients), against the plain cpu backend:
 * the same seeded supernet, data and subnets must give the same losses, step after step,
 * within float tolerance.
 */

before(async () => {
  await ensureTfjsGradients();
  registerWasmGradientKernels();
});

interface StepLosses {
  losses: number[];
  distillLoss?: number;
}

async function trainOn(backend: string, steps: number): Promise<StepLosses[]> {
  await useBackend(backend);
  const config = smallConfig();
  const net = new Supernet(config.space, config.task, new Rng(0));
  const { optimizer, runner } = serialStepRunner(net, config.train);
  const x = randomTensor([4, 28, 28, 1], 7);
  const images = tf.tensor4d(x.data, [4, 28, 28, 1]);
  const labels = tf.tensor1d([0, 3, 9, 1], 'int32');
  const rng = new Rng(5);
  const sub = (role: SampledSubnet['role'], arch: SampledSubnet['arch']): SampledSubnet => ({
    role,
    arch,
    flops: 0,
  });
  const out: StepLosses[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const subnets = [
        sub('largest', largestArch(config.space, config.task)),
        sub('smallest', smallestArch(config.space, config.task)),
        sub('random', randomArch(config.space, config.task, rng)),
      ];
      const r = runner.run(subnets, images, labels, {
        distillation: true,
        lr: 0.05,
        wantFeedback: false,
        wantErrorNorms: false,
      });
      out.push({ losses: r.losses, distillLoss: r.distillLoss });
    }
  } finally {
    tf.dispose([images, labels]);
    optimizer.dispose();
    net.dispose();
  }
  return out;
}

void test('sandwich steps give the same losses on wasm as on cpu', async () => {
  const wasm = await trainOn('wasm', 2);
  const cpu = await trainOn('cpu', 2);
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${what}: wasm ${a}, cpu ${b}`);
  cpu.forEach((c, s) => {
    c.losses.forEach((l, i) => close(wasm[s].losses[i], l, `step ${s} subnet ${i}`));
    close(wasm[s].distillLoss ?? NaN, c.distillLoss ?? NaN, `step ${s} distillation`);
  });
  // The steps did train: the losses moved.
  assert.notEqual(cpu[0].losses[0], cpu[1].losses[0]);
});
