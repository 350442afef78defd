import test, { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { Arch } from '#shared/arch';
import type { SupernetConfig } from '../../../../server/src/config/configSchema';
import { largestArch } from '../../../../server/src/space/arch';
import { ensureTfjsGradients } from '../../../../server/src/engine/backend/tfjsGradients';
import { registerWasmGradientKernels } from '../../../../server/src/engine/backend/wasmGradKernels';
import type { TrainingData } from '../../../../server/src/engine/data/batches';
import { calibrationIndices } from '../../../../server/src/engine/evaluate/evaluate';
import { evaluateSubnetOnnx, weightsOf } from '../../../../server/src/engine/evaluate/evaluateOnnx';
import { SubnetEvaluator } from '../../../../server/src/engine/evaluate/subnetEvaluator';
import { Rng } from '#shared/rng';
import { writeCheckpoint } from '../../../../server/src/engine/storage/checkpoint';
import { parseCheckpointHeader } from '../../../../server/src/engine/train/checkpointHeader';
import { loadRun } from '../../../../server/src/engine/run/loadRun';
import { RunFolder } from '../../../../server/src/engine/storage/runFolder';
import { spaceKeyOf } from '../../../../server/src/space/spaceKey';
import { openStepRunner, type StepRunner } from '../../../../server/src/engine/threads/stepRunner';
import { FewShotSplit, SplitSupernet } from '../../../../server/src/engine/train/fewShotSplit';
import { Trainer, type CheckpointHeader } from '../../../../server/src/engine/train/trainer';
import { useBackend } from '../backend/backendParity';
import { smallConfig } from './fixtures';

/**
 * The trainer across a few-shot split, with real steps of the small space on 48 random
 * images in batches of 8: the split copies the parent bit for bit, the parts train in turn
 * and only on their own subnets, checkpoints before and after the split resume bit for bit,
 * and a subnet is scored (and loaded from a run folder) with its own part's weights.
 */

const IMAGES = 48;
const TOTAL = 12;
const fewShot = { splits: 2, at: 0.5, criterion: 'gradient-matching' as const, batches: 1 };
const config: SupernetConfig = smallConfig({
  batchSize: 8,
  optimizer: { ...smallConfig().train.optimizer, type: 'adam' },
  sampler: { type: 'sandwich', subnets: 3 },
  fewShot,
});
const decision = () =>
  new Trainer(config, IMAGES).decisions.all.find((d) => d.name === 'stage2.depth')!;

before(async () => {
  await ensureTfjsGradients();
  registerWasmGradientKernels();
  await useBackend('wasm');
});

const pixels = new Rng(21);
const data: TrainingData = {
  images: Float32Array.from({ length: IMAGES * 784 }, () => pixels.next()),
  labels: Int32Array.from({ length: IMAGES }, (_, i) => (i * 7) % 10),
  height: 28,
  width: 28,
  channels: 1,
  trainIndices: Int32Array.from({ length: 32 }, (_, i) => i),
  validationIndices: Int32Array.from({ length: IMAGES - 32 }, (_, i) => 32 + i),
};
const gather = (indices: Int32Array) => {
  const x = new Float32Array(indices.length * 784);
  indices.forEach((i, k) => x.set(data.images.subarray(i * 784, (i + 1) * 784), k * 784));
  return {
    x: tf.tensor4d(x, [indices.length, 28, 28, 1]),
    y: tf.tensor1d(
      Int32Array.from(indices, (i) => data.labels[i]),
      'int32',
    ),
  };
};

/**
 * Steps [from, to) of `trainer` by `stepper`, by default its runner of each step (as a
 * run's one-thread stepper: after the split the runner is the step's part's); the subnets
 * and losses of each.
 */
function train(
  trainer: Trainer,
  from: number,
  to: number,
  stepper: Pick<StepRunner, 'run'> = { run: (...args) => trainer.runner.run(...args) },
): { archs: Arch[]; losses: number[] }[] {
  const out = [];
  for (let step = from; step < to; step++) {
    const { subnets, outcome } = trainer.step(
      { step, totalSteps: TOTAL, stepsPerEpoch: 4, lr: 0.01 },
      gather,
      stepper,
    );
    out.push({ archs: subnets.map((s) => s.arch), losses: outcome.losses });
  }
  return out;
}

const state = (t: Trainer) => new Map(t.tensorRecords().map((r) => [r.name, r.data]));

/** The tensors of part `k` (1-based) by their names in the parent. */
const partState = (t: Trainer, k: number) =>
  new Map(
    [...state(t)]
      .filter(([name]) => name.startsWith(`part${k}.`))
      .map(([name, v]) => [name.slice(`part${k}.`.length), v]),
  );

/** A checkpoint's header as the run writes it, through JSON and its checks. */
const checkpoint = (t: Trainer, step: number): CheckpointHeader =>
  parseCheckpointHeader(
    'the test checkpoint',
    JSON.parse(
      JSON.stringify({
        version: 1,
        runId: 'few',
        step,
        totalSteps: TOTAL,
        spaceKey: 'k',
        backend: 'wasm',
        ...t.headerState(),
        elapsedSeconds: 0,
      }),
    ),
  );

const splitAt = (step: number) => new FewShotSplit(decision(), [[1], [2, 3]], step);

void describe('few-shot NAS: the trainer across the split', () => {
  void test('without fewShot nothing changes: one supernet, its own names, no split', () => {
    const t = new Trainer(smallConfig({ batchSize: 8 }), IMAGES);
    try {
      assert.equal(t.split, undefined);
      assert.ok(t.stateTensors().every(([name]) => !name.startsWith('part')));
      assert.equal('split' in t.headerState(), false);
      assert.equal(t.weights.supernetOf(largestArch(config.space, config.task)), t.net);
    } finally {
      t.dispose();
    }
  });

  void test('the split copies the parent, weights and optimizer state, bit for bit', () => {
    const t = new Trainer(config, IMAGES);
    try {
      train(t, 0, 3);
      const parent = state(t);
      const steps = t.optimizer.steps;
      t.splitInto(splitAt(3));
      for (const k of [1, 2]) {
        const part = partState(t, k);
        assert.equal(part.size, parent.size);
        for (const [name, v] of parent) assert.deepEqual(part.get(name), v, `part${k}.${name}`);
      }
      const header = t.headerState();
      assert.equal(header.optimizerSteps, steps);
      assert.deepEqual(header.split, {
        step: 3,
        decision: 'stage2.depth',
        groups: [[1], [2, 3]],
        optimizerSteps: [steps, steps],
      });
    } finally {
      t.dispose();
    }
  });

  void test('the parts train in turn, each only its own subnets, the other left as it was', () => {
    const t = new Trainer(config, IMAGES);
    try {
      train(t, 0, 3);
      t.splitInto(splitAt(3));
      for (const [step, part] of [
        [3, 1],
        [4, 2],
        [5, 1],
      ]) {
        const other = 3 - part;
        const before = [partState(t, part), partState(t, other)];
        const [{ archs }] = train(t, step, step + 1);
        const depths = archs.map((a) => a.stages[1].depth);
        assert.ok(
          depths.every((d) => (part === 1 ? d === 1 : d >= 2)),
          `step ${step}: depths ${depths.join()} in part ${part}`,
        );
        if (part === 2) assert.equal(depths[0], 3, 'the teacher is the part’s largest');
        const [mine, theirs] = [partState(t, part), partState(t, other)];
        assert.ok(
          [...mine].some(([name, v]) => !before[0].get(name)!.every((x, i) => x === v[i])),
          `part ${part} trained`,
        );
        for (const [name, v] of theirs) assert.deepEqual(v, before[1].get(name), `part ${other}`);
      }
      assert.deepEqual(t.headerState().split?.optimizerSteps, [5, 4]);
    } finally {
      t.dispose();
    }
  });

  void test('a checkpoint after the split resumes bit for bit', () => {
    const run = new Trainer(config, IMAGES);
    const resumed = new Trainer(config, IMAGES);
    try {
      train(run, 0, 3);
      run.splitInto(splitAt(3));
      train(run, 3, 6);
      resumed.restore(checkpoint(run, 6), run.tensorRecords(), 'the test checkpoint');
      assert.equal(resumed.split?.describe(), 'stage2.depth: {1} | {2, 3}');
      assert.deepEqual(train(resumed, 6, 9), train(run, 6, 9));
      assert.deepEqual(state(resumed), state(run));
    } finally {
      run.dispose();
      resumed.dispose();
    }
  });

  void test('a checkpoint from before the split resumes bit for bit, and splits as the run did', () => {
    const run = new Trainer(config, IMAGES);
    const resumed = new Trainer(config, IMAGES);
    try {
      train(run, 0, 2);
      const header = checkpoint(run, 2);
      assert.equal(header.split, undefined);
      resumed.restore(header, run.tensorRecords(), 'the test checkpoint');
      for (const t of [run, resumed]) {
        train(t, 2, 3);
        t.splitInto(splitAt(3));
      }
      assert.deepEqual(train(resumed, 3, 6), train(run, 3, 6));
      assert.deepEqual(state(resumed), state(run));
    } finally {
      run.dispose();
      resumed.dispose();
    }
  });

  void test('on two threads the parts take turns as on one, bit for bit', async () => {
    const one = new Trainer(config, IMAGES);
    const two = new Trainer(config, IMAGES);
    // Opened on the parent, as a run opens it: it follows the trainer to the parts.
    const stepper = await openStepRunner(two, config, 'wasm', 2);
    try {
      assert.equal(stepper.threads, 2);
      for (const t of [one, two]) {
        train(t, 0, 2, t === two ? stepper : undefined);
        t.splitInto(splitAt(2));
      }
      assert.deepEqual(train(two, 2, 5, stepper), train(one, 2, 5));
      assert.deepEqual(state(two), state(one));
    } finally {
      await stepper.close();
      one.dispose();
      two.dispose();
    }
  });

  void test('a split that does not fit the space is refused, and a malformed one on reading', () => {
    const run = new Trainer(config, IMAGES);
    const fresh = new Trainer(config, IMAGES);
    try {
      train(run, 0, 1);
      run.splitInto(splitAt(1));
      const header = checkpoint(run, 1);
      const moved = {
        ...header,
        split: {
          ...header.split!,
          groups: [
            [1, 2],
            [3, 4],
          ],
        },
      };
      assert.throws(() => fresh.restore(moved, run.tensorRecords(), 'ck'), /does not hold/);
      const bad = (split: unknown) =>
        assert.throws(
          () => parseCheckpointHeader('ck', { ...header, split }),
          /ck: the checkpoint's header field 'split/,
        );
      bad({ ...header.split, groups: [[1, 2, 3]] });
      bad({ ...header.split, optimizerSteps: [1] });
      bad({ ...header.split, step: 2 });
      bad({ ...header.split, decision: 3 });
      bad([]);
    } finally {
      run.dispose();
      fresh.dispose();
    }
  });
});

void describe('few-shot NAS: each subnet scored with its own part', () => {
  /** A run split at step 3 and trained to step 6: its parts' weights differ. */
  const trained = () => {
    const t = new Trainer(config, IMAGES);
    train(t, 0, 3);
    t.splitInto(splitAt(3));
    train(t, 3, 6);
    return t;
  };
  const largest = largestArch(config.space, config.task);
  const shallow: Arch = structuredClone(largest);
  shallow.stages[1] = {
    ...shallow.stages[1],
    depth: 1,
    blocks: shallow.stages[1].blocks.slice(0, 1),
  };

  void test('the evaluator takes a subnet of part A from A, whose weights are not B’s', async () => {
    const t = trained();
    const calibration = calibrationIndices(data, 2, 8);
    const evaluator = new SubnetEvaluator(t.weights, data, calibration, 1);
    try {
      const [a, b] = [t.weights.supernetOf(shallow), t.weights.supernetOf(largest)];
      assert.notEqual(a, b);
      const scores = new Map<Arch, number>();
      await evaluator.evaluateAll([shallow, largest], (arch, s) => scores.set(arch, s.loss));
      const own = await evaluateSubnetOnnx(a, shallow, data, calibration, { threads: 1 });
      const other = await evaluateSubnetOnnx(b, shallow, data, calibration, { threads: 1 });
      assert.equal(scores.get(shallow), own.loss);
      assert.notEqual(other.loss, own.loss);
      assert.equal(
        scores.get(largest),
        (await evaluateSubnetOnnx(b, largest, data, calibration, { threads: 1 })).loss,
      );
    } finally {
      await evaluator.close();
      t.dispose();
    }
  });

  void test('a run folder with a split checkpoint loads its parts, and serves each subnet from its own', () => {
    const t = trained();
    const runs = mkdtempSync(path.join(tmpdir(), 'few-shot-'));
    try {
      const folder = RunFolder.create(runs, 'few');
      writeFileSync(
        folder.configFile,
        `task: { dataset: fashion-mnist }
space:
  resolution: [20, 24, 28]
  stem: { width: 8, kernel: 3, stride: 1 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3, 5, 7], expand: [3, 4, 6], stride: 2 }
    - { depth: [1, 2, 3], width: [16, 24], kernel: [3, 5, 7], expand: [3, 4, 6], stride: 2 }
  head: { width: 32 }
train: { fewShot: { splits: 2, at: 0.5 } }
`,
      );
      const header = { ...checkpoint(t, 6), spaceKey: spaceKeyOf(config) };
      writeCheckpoint(folder.checkpointFile, { header, tensors: t.tensorRecords() });
      const loaded = loadRun(folder);
      try {
        assert.ok(loaded.net instanceof SplitSupernet);
        assert.equal(loaded.net.split.describe(), 'stage2.depth: {1} | {2, 3}');
        for (const arch of [shallow, largest])
          assert.deepEqual(
            weightsOf(loaded.net.supernetOf(arch), arch),
            weightsOf(t.weights.supernetOf(arch), arch),
          );
        assert.notDeepEqual(
          weightsOf(loaded.net.parts[1], shallow),
          weightsOf(t.weights.supernetOf(shallow), shallow),
        );
      } finally {
        loaded.net.dispose();
      }
    } finally {
      rmSync(runs, { recursive: true, force: true });
      t.dispose();
    }
  });
});
