import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { randomTensor } from '../backend/backendParity';
import type { SupernetConfig, TrainConfig } from '../../../../server/src/config/configSchema';
import type { Arch } from '#shared/arch';
import type { PathFeedback } from '../../../../server/src/engine/train/samplers/samplerTypes';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { TRAIN_SMALL } from '../../../fixtures/configs';
import { parseCheckpointHeader } from '../../../../server/src/engine/train/checkpointHeader';
import type { CheckpointHeader, Trainer } from '../../../../server/src/engine/train/trainer';

const base = (): SupernetConfig => {
  const r = resolveConfig(TRAIN_SMALL);
  assert.deepEqual(
    r.problems.filter((p) => p.severity === 'error'),
    [],
  );
  return r.config;
};

type TrainPatch = Partial<Omit<TrainConfig, 'sampler'>> & {
  sampler?: Partial<TrainConfig['sampler']>;
};

/** The small space with defaults, `train` patched (the sampler field by field). */
export function smallConfig(patch: TrainPatch = {}): SupernetConfig {
  const c = base();
  const { sampler, ...rest } = patch;
  // The samplers' own draws, each subnet at its own resolution unless a test asks otherwise.
  const own = { ...c.train.sampler, resolution: 'per-subnet' as const };
  return { ...c, train: { ...c.train, ...rest, sampler: { ...own, ...sampler } } };
}

/** Deterministic stand-in for the trainer's gradient norms: larger choices, larger norms. */
export function fakeFeedback(arch: Arch): PathFeedback {
  const total = arch.resolution / 10;
  const stages = arch.stages.map((s) => (s.depth * s.width) / 10);
  const blocks = arch.stages.map((s) => s.blocks.map((b) => (b.kernel * b.expand) / 10));
  return {
    arch,
    totalGradNorm: total,
    stageGradNorms: stages,
    blockGradNorms: blocks,
    tensorNormSums: { total: 2 * total, stages: stages.map((x) => 2 * x), blocks },
  };
}

/**
 * Continues `resumed` from `stopped` as a resume does: the header through its JSON and the
 * engine's own check of every field, then the tensors.
 */
export function resumeThroughHeader(
  stopped: Trainer,
  resumed: Trainer,
  at: { runId: string; step: number; totalSteps: number },
): void {
  const header: CheckpointHeader = {
    version: 1,
    ...at,
    spaceKey: 'small',
    backend: 'wasm',
    elapsedSeconds: 0,
    ...stopped.headerState(),
  };
  resumed.restore(
    parseCheckpointHeader('checkpoint', JSON.parse(JSON.stringify(header))),
    stopped.tensorRecords(),
    'the checkpoint',
  );
}

/**
 * The trainer's `gather` over `images` seeded random 28×28×1 images, image i labelled
 * (7·i) mod 10: real steps on data that costs nothing to load.
 */
export function syntheticGather(
  images: number,
  seed = 11,
): (indices: Int32Array) => { x: tf.Tensor4D; y: tf.Tensor1D } {
  const pixels = randomTensor([images, 28, 28, 1], seed).data;
  return (indices) => {
    const x = new Float32Array(indices.length * 784);
    indices.forEach((i, k) => x.set(pixels.subarray(i * 784, (i + 1) * 784), k * 784));
    return {
      x: tf.tensor4d(x, [indices.length, 28, 28, 1]),
      y: tf.tensor1d(
        Int32Array.from(indices, (i) => (i * 7) % 10),
        'int32',
      ),
    };
  };
}
