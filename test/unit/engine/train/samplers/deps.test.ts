import test, { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TrainConfig } from '../../../../../server/src/config/configSchema';
import { resolveConfig } from '../../../../../server/src/config/resolve';
import { getLanguageService } from '../../../../../server/src/language/languageService';
import { largestArch, smallestArch } from '../../../../../server/src/space/arch';
import { selectBackend } from '../../../../../server/src/engine/backend/selectBackend';
import { Supernet } from '../../../../../server/src/engine/model/supernet';
import { ParallelStepRunner } from '../../../../../server/src/engine/threads/parallelStep';
import { Rng } from '#shared/rng';
import { channelSortDue } from '../../../../../server/src/engine/train/channelSortSchedule';
import { depsGradScale } from '../../../../../server/src/engine/train/samplers/delayedEpsilonShrinking';
import { randomArch } from '../../../../../server/src/space/randomArch';
import { createSampler } from '../../../../../server/src/engine/train/samplers/samplers';
import type { SampledSubnet } from '../../../../../server/src/engine/train/samplers/samplerTypes';
import { Trainer } from '../../../../../server/src/engine/train/trainer';
import { serialStepRunner } from '../../../../../server/src/engine/train/trainStep';
import { resumeThroughHeader, smallConfig, syntheticGather } from '../fixtures';

type Patch = Parameters<typeof smallConfig>[0];
const DEPS = { start: 0.5, lrRamp: 0.05, lrScale: 2 };
const withDeps = (patch: Patch = {}): TrainConfig =>
  smallConfig({ sampler: { type: 'sandwich', subnets: 3 }, deps: DEPS, ...patch }).train;
const length = { totalSteps: 100, stepsPerEpoch: 10 };

before(async () => {
  await selectBackend('wasm');
});

void describe('DεpS: the subnets’ learning rate (depsGradScale)', () => {
  void test('constant schedule: 1 before the start, a linear ramp to lrScale, then lrScale', () => {
    const t = withDeps({
      optimizer: { ...withDeps().optimizer, lr: 0.1 },
      schedule: { ...withDeps().schedule, type: 'constant' },
    });
    const scales = [0, 49, 50, 51, 52, 53, 54, 55, 99].map((s) => depsGradScale(s, length, t));
    // Shrinking from step 50; a ramp of 5 steps: (t/5)·2·lr(55)/lr(s), t = 1 … 5.
    const want = [1, 1, 0.4, 0.8, 1.2, 1.6, 2, 2, 2];
    scales.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-12, `${x} vs ${want[i]}`));
  });

  void test('cosine schedule: the rate rises to lrScale × the schedule’s rate where the ramp ends', () => {
    const t = withDeps();
    const lr = t.optimizer.lr;
    const cosine = (s: number) => (lr * (1 + Math.cos((Math.PI * s) / 100))) / 2;
    for (let s = 50; s < 55; s++) {
      const want = (((s - 50 + 1) / 5) * 2 * cosine(55)) / cosine(s);
      const got = depsGradScale(s, length, t);
      assert.ok(Math.abs(got - want) < 1e-12, `step ${s}: ${got} vs ${want}`);
      // What the subnets move by: the ramp's share of the rate at its end, whatever the schedule does.
      assert.ok(Math.abs(got * cosine(s) - ((s - 49) / 5) * 2 * cosine(55)) < 1e-12);
    }
    assert.equal(depsGradScale(55, length, t), 2);
  });

  void test('without deps, and by default, every gradient counts once', () => {
    const plain = smallConfig().train;
    assert.equal(plain.deps, undefined);
    for (const s of [0, 50, 99]) assert.equal(depsGradScale(s, length, plain), 1);
  });

  void test('written as `deps: {}`, the paper’s defaults', () => {
    const { config } = resolveConfig(
      'space: { stages: [{ depth: [1, 2], width: [8, 16] }] }\ntrain: { deps: {} }\n',
    );
    assert.deepEqual(config.train.deps, { start: 0.5, lrRamp: 0.02, lrScale: 1 });
  });

  void test('no ramp (lrRamp 0): lrScale from the first shrinking step', () => {
    const t = withDeps({ deps: { ...DEPS, lrRamp: 0 } });
    assert.equal(depsGradScale(49, length, t), 1);
    assert.equal(depsGradScale(50, length, t), 2);
  });
});

void describe('DεpS: what is trained when', () => {
  void test('the full model alone until start, then the sandwich; channels sorted at start', () => {
    const config = smallConfig({ sampler: { type: 'sandwich', subnets: 3 }, deps: DEPS });
    const sampler = createSampler(config, new Rng(1));
    const largest = largestArch(config.space, config.task);
    for (let step = 0; step < 50; step++)
      assert.deepEqual(
        sampler.sample(step / 100).map((s) => s.arch),
        [largest],
      );
    assert.deepEqual(
      sampler.sample(0.5).map((s) => s.role),
      ['largest', 'smallest', 'random'],
    );
    const sorting = { when: 'shrinking' as const, everyEpochs: 1 };
    const t = withDeps({ channelSorting: sorting });
    const due = Array.from({ length: 100 }, (_, s) => s).filter((s) =>
      channelSortDue(s, length, t),
    );
    assert.deepEqual(due, [50]);
  });

  void test('conflicting or unusable settings are located errors', () => {
    const text = (train: string) =>
      [
        'task: { dataset: fashion-mnist }',
        'space: { stages: [{ depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2] }] }',
        'train:',
        train,
        '',
      ].join('\n');
    const findings = (train: string) =>
      getLanguageService({})
        .validate(TextDocument.create('file:///d.supernet.yaml', 'supernet', 1, text(train)))
        .map((d) => `${d.severity}:${d.range.start.line}:${d.message}`);
    assert.deepEqual(findings('  deps: {}\n  sampler: { type: sandwich }'), []);
    assert.ok(
      findings('  deps: {}\n  delayedShrinking: 0.2').some((m) => /^1:4:.*second one/.test(m)),
    );
    assert.ok(
      findings('  deps: {}\n  sampler: { type: uniform }').some((m) =>
        /^1:3:DεpS trains the full model/.test(m),
      ),
    );
    assert.ok(
      findings('  deps: {}\n  distillation: false\n  sampler: { type: sandwich }').some((m) =>
        /^2:4:DεpS distils/.test(m),
      ),
    );
    assert.ok(
      findings('  deps: {}\n  distillation: false').some((m) => /^1:3:DεpS trains/.test(m)),
      'complexity-aware without its teacher has no full model in its steps',
    );
  });
});

/** A fixed batch of 4 images, as the trainer's `gather` gives it. */
const IMAGES = 24;
const gather = syntheticGather(IMAGES);

void describe('DεpS: real steps', () => {
  const TOTAL = 10;
  const config = smallConfig({
    batchSize: 4,
    schedule: { ...smallConfig().train.schedule, type: 'constant' },
    sampler: { type: 'sandwich', subnets: 3 },
    deps: { start: 0.3, lrRamp: 0.3, lrScale: 1 },
  });
  const at = (step: number) => ({ step, totalSteps: TOTAL, stepsPerEpoch: 6, lr: 0.05 });
  const train = (t: Trainer, from: number, to: number) => {
    const out: { scales: (number | undefined)[]; losses: number[] }[] = [];
    for (let step = from; step < to; step++) {
      const { subnets, outcome } = t.step(at(step), gather, t.runner);
      out.push({ scales: subnets.map((s) => s.gradScale), losses: outcome.losses });
    }
    return out;
  };
  const weightsOf = (t: Trainer): Float32Array[] => t.tensorRecords().map((r) => r.data);

  void test('the trainer scales every subnet but the full model, and a stopped run resumes bit for bit', () => {
    const whole = new Trainer(config, IMAGES);
    const stopped = new Trainer(config, IMAGES);
    const resumed = new Trainer(config, IMAGES);
    try {
      const steps = train(whole, 0, TOTAL);
      // The full model alone for 3 steps; a ramp of 3 steps at ⅓, ⅔ and 1 (lrScale 1: no
      // scale at all), the full model unscaled throughout.
      const want = [[], [], [], [1 / 3, 1 / 3], [2 / 3, 2 / 3], [], [], [], [], []];
      steps.forEach((s, i) => {
        assert.equal(s.scales[0], undefined, `step ${i}: the full model is not scaled`);
        assert.equal(s.scales.length, i < 3 ? 1 : 3, `step ${i}: subnets`);
        const scaled = s.scales.slice(1).filter((x) => x !== undefined);
        assert.equal(scaled.length, want[i].length, `step ${i}: ${s.scales.join(', ')}`);
        scaled.forEach((x, k) => assert.ok(Math.abs(x - want[i][k]) < 1e-12, `step ${i}: ${x}`));
      });
      assert.ok(steps.flatMap((s) => s.losses).every(Number.isFinite));
      // Stopped in the ramp, checkpointed through the header's JSON, resumed.
      assert.deepEqual(train(stopped, 0, 4), steps.slice(0, 4));
      resumeThroughHeader(stopped, resumed, { runId: 'deps', step: 4, totalSteps: TOTAL });
      assert.deepEqual(train(resumed, 4, TOTAL), steps.slice(4));
      assert.deepEqual(weightsOf(resumed), weightsOf(whole));
    } finally {
      whole.dispose();
      stopped.dispose();
      resumed.dispose();
    }
  });

  void test('a subnet at gradScale 0 leaves the update as if it were not trained', () => {
    const cfg = smallConfig();
    const big: SampledSubnet = {
      role: 'largest',
      arch: largestArch(cfg.space, cfg.task),
      flops: 2,
    };
    const small: SampledSubnet = {
      role: 'smallest',
      arch: smallestArch(cfg.space, cfg.task),
      flops: 1,
      gradScale: 0,
    };
    const after = (subnets: SampledSubnet[]): Float32Array[] => {
      const net = new Supernet(cfg.space, cfg.task, new Rng(0));
      const { optimizer, runner } = serialStepRunner(net, cfg.train);
      const { x, y } = gather(Int32Array.from([0, 1, 2, 3]));
      try {
        const opts = { distillation: true, lr: 0.05, wantFeedback: false, wantErrorNorms: false };
        runner.run(subnets, x, y, opts);
        const tensors = tf.memory().numTensors;
        runner.run(subnets, x, y, opts);
        assert.equal(tf.memory().numTensors, tensors, 'a step leaves no tensor behind');
        return net
          .namedVariables()
          .filter(([, v]) => v.trainable)
          .map(([, v]) => v.dataSync() as Float32Array);
      } finally {
        tf.dispose([x, y]);
        optimizer.dispose();
        net.dispose();
      }
    };
    assert.deepEqual(after([big, small]), after([big]));
  });

  void test('the subnet-parallel and data-parallel steps scale as the one-thread step does', async () => {
    const cfg = smallConfig();
    const rng = new Rng(5);
    const subnets: SampledSubnet[] = [
      { role: 'largest', arch: largestArch(cfg.space, cfg.task), flops: 4 },
      { role: 'smallest', arch: smallestArch(cfg.space, cfg.task), flops: 1, gradScale: 0.3 },
      { role: 'random', arch: randomArch(cfg.space, cfg.task, rng), flops: 2, gradScale: 1.7 },
    ];
    const lone: SampledSubnet[] = [{ ...subnets[2], gradScale: 0.4 }];
    const weights = async (threads: number, steps: SampledSubnet[][]) => {
      const net = new Supernet(cfg.space, cfg.task, new Rng(0));
      const { optimizer, runner } = serialStepRunner(net, cfg.train);
      const parallel =
        threads > 1
          ? await ParallelStepRunner.create(net, optimizer, threads, { maxSubnets: 3, maxBatch: 4 })
          : undefined;
      const { x, y } = gather(Int32Array.from([0, 1, 2, 3]));
      try {
        if (parallel) assert.equal(parallel.threads, threads);
        for (const s of steps)
          (parallel ?? runner).run(s, x, y, {
            distillation: true,
            lr: 0.05,
            wantFeedback: false,
            wantErrorNorms: false,
          });
        return net
          .namedVariables()
          .filter(([, v]) => v.trainable)
          .map(([, v]) => Array.from(v.dataSync()));
      } finally {
        await parallel?.close();
        tf.dispose([x, y]);
        optimizer.dispose();
        net.dispose();
      }
    };
    assert.deepEqual(
      await weights(2, [subnets, subnets]),
      await weights(1, [subnets, subnets]),
      'subnet-parallel: the same bits',
    );
    const [split, one] = [await weights(2, [lone]), await weights(1, [lone])];
    const unscaled = await weights(1, [[{ ...lone[0], gradScale: undefined }]]);
    split.forEach((w, i) =>
      w.forEach((v, k) => assert.ok(Math.abs(v - one[i][k]) <= 1e-5 * (1 + Math.abs(v)))),
    );
    assert.notDeepEqual(one, unscaled, 'the scale changes the update');
  });
});
