import type { SupernetConfig, SpaceConfig, TaskConfig } from '../config/configSchema';
import type { Arch } from '#shared/arch';
import { largestArch, resolutions, smallestArch } from './arch';
import {
  layerMacs,
  layerParams,
  layerSavedActivations,
  subnetLayers,
  type ConvLayer,
  type Layer,
} from './layers';

export interface SubnetCost {
  flops: number;
  params: number;
}

export interface StageFacts {
  /** Distinct settings of this stage (width × Σ over depths of (kernels × expands)^depth). */
  choices: bigint;
  flops: [number, number];
  params: [number, number];
  /** Output feature-map height of the stage at the smallest and largest resolution. */
  outputSize: [number, number];
}

export interface SpaceFacts {
  /** Distinct subnets: blocks beyond a stage's depth do not make subnets differ. */
  subnets: bigint;
  flops: [number, number];
  params: [number, number];
  /** Parameters of the supernet: every shared weight (equal to the largest subnet's). */
  supernetParams: number;
  /** Estimated peak memory of one training step, in bytes (see `trainingMemoryBytes`). */
  trainingMemoryBytes: number;
  stages: StageFacts[];
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

export function subnetCost(space: SpaceConfig, task: TaskConfig, arch: Arch): SubnetCost {
  const layers = subnetLayers(space, task, arch);
  return { flops: sum(layers.map(layerMacs)), params: sum(layers.map(layerParams)) };
}

export function countSubnets(space: SpaceConfig, task: TaskConfig): bigint {
  let n = BigInt(new Set(resolutions(space, task)).size);
  for (const s of space.stages) n *= stageChoices(s);
  return n;
}

function stageChoices(s: SpaceConfig['stages'][number]): bigint {
  const perBlock = BigInt(new Set(s.kernel).size * new Set(s.expand).size);
  let perDepth = 0n;
  for (const d of new Set(s.depth)) perDepth += perBlock ** BigInt(d);
  return BigInt(new Set(s.width).size) * perDepth;
}

/** Optimizer slots per weight: SGD with momentum keeps one, Adam two. */
function optimizerSlots(config: SupernetConfig): number {
  const o = config.train.optimizer;
  if (o.type === 'adam') return 2;
  return o.momentum > 0 ? 1 : 0;
}

/**
 * Peak memory of one training step, in bytes, at float32:
 *   activations of the largest subnet kept for its backward pass, for the whole batch
 *   (input, every conv/bn/activation output, residual sums), plus room for the two
 *   largest gradients in flight; subnets of a step run one after another, so one
 *   subnet's activations are alive at a time;
 *   plus the shared weights, their gradients, the step's accumulated gradients and
 *   the optimizer's slots.
 */
export function trainingMemoryBytes(
  config: SupernetConfig,
  layers: Layer[],
  supernetParams: number,
): number {
  const [h, w, c] = config.task.input;
  const saved = layers.map(layerSavedActivations);
  // A loop, not Math.max(...saved): a space of thousands of layers overflows the call stack.
  const largest = saved.reduce((a, b) => Math.max(a, b), 0);
  const perImage = h * w * c + sum(saved) + 2 * largest;
  const activations = config.train.batchSize * perImage;
  const state = supernetParams * (3 + optimizerSlots(config));
  return 4 * (activations + state);
}

/** The layers of each stage, in order. */
function byStage(layers: Layer[], stages: number): Layer[][] {
  const out: Layer[][] = Array.from({ length: stages }, () => []);
  for (const l of layers)
    if ((l.kind === 'conv' || l.kind === 'add') && l.at) out[l.at.stage].push(l);
  return out;
}

export function spaceFacts(config: SupernetConfig): SpaceFacts {
  const { space, task } = config;
  const lo = smallestArch(space, task);
  const hi = largestArch(space, task);
  const loLayers = subnetLayers(space, task, lo);
  const hiLayers = subnetLayers(space, task, hi);
  const costLo = { flops: sum(loLayers.map(layerMacs)), params: sum(loLayers.map(layerParams)) };
  const costHi = { flops: sum(hiLayers.map(layerMacs)), params: sum(hiLayers.map(layerParams)) };
  // Grouped once: a filter per stage would be quadratic in the number of stages.
  const loStages = byStage(loLayers, space.stages.length);
  const hiStages = byStage(hiLayers, space.stages.length);
  const stageOut = (layers: Layer[]): number => {
    const convs = layers.filter((l): l is ConvLayer => l.kind === 'conv');
    return convs[convs.length - 1].hout;
  };
  return {
    subnets: countSubnets(space, task),
    flops: [costLo.flops, costHi.flops],
    params: [costLo.params, costHi.params],
    supernetParams: costHi.params,
    trainingMemoryBytes: trainingMemoryBytes(config, hiLayers, costHi.params),
    stages: space.stages.map((s, i) => ({
      choices: stageChoices(s),
      flops: [sum(loStages[i].map(layerMacs)), sum(hiStages[i].map(layerMacs))],
      params: [sum(loStages[i].map(layerParams)), sum(hiStages[i].map(layerParams))],
      outputSize: [stageOut(loStages[i]), stageOut(hiStages[i])],
    })),
  };
}
