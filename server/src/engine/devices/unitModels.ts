import type { Arch } from '#shared/arch';
import { Rng } from '#shared/rng';
import type { SpaceConfig, TaskConfig } from '../../config/configSchema';
import type { LatencyUnit } from '../../space/latencyUnits';
import { subnetLayers, type Layer } from '../../space/layers';
import { buildOnnxModel, encodeModel, type ConvWeights } from '../onnx/onnxGraph';

/**
 * The models a device times for its latency table: each unit alone, an empty model of each
 * unit's input (its time is what running any model of that input costs, subtracted from the
 * unit's), and whole subnets to fit and check the table. Latency does not depend on the
 * weights' values, so they are seeded random numbers of a normal size (no denormals).
 */

function randomConvs(layers: readonly Layer[], rng: Rng): Map<string, ConvWeights> {
  const values = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
  const convs = new Map<string, ConvWeights>();
  for (const l of layers) {
    if (l.kind !== 'conv') continue;
    const size = l.kernel * l.kernel * (l.groups === 1 ? l.cin * l.cout : l.cin);
    convs.set(l.name, {
      kernel: values(size, 0.2),
      gamma: values(l.cout, 1).map((v) => 0.5 + Math.abs(v)),
      beta: values(l.cout, 0.1),
      mean: values(l.cout, 0.1),
      variance: values(l.cout, 1).map((v) => 0.5 + Math.abs(v)),
    });
  }
  return convs;
}

function classifier(
  layers: readonly Layer[],
  rng: Rng,
): { weight: Float32Array; bias: Float32Array } {
  const last = layers[layers.length - 1];
  if (last?.kind !== 'linear') return { weight: new Float32Array(0), bias: new Float32Array(0) };
  return {
    weight: Float32Array.from({ length: last.cin * last.cout }, () => rng.next() * 0.2 - 0.1),
    bias: Float32Array.from({ length: last.cout }, () => rng.next() * 0.2 - 0.1),
  };
}

/** The output [C, H, W] of a unit's last layer. */
function outputOf(u: LatencyUnit): [number, number, number] {
  const last = u.layers[u.layers.length - 1];
  switch (last.kind) {
    case 'conv':
      return [last.cout, last.hout, last.wout];
    case 'add':
      return [last.channels, last.h, last.w];
    case 'pool':
      return [last.channels, 1, 1];
    case 'linear':
      return [last.cout, 1, 1];
  }
}

/** One unit as an ONNX model of its own input. */
export function unitModel(u: LatencyUnit, seed = 1): Uint8Array {
  const rng = new Rng(seed);
  const { weight, bias } = classifier(u.layers, rng);
  return encodeModel(
    buildOnnxModel(
      {
        layers: u.layers,
        resolution: u.resolution,
        convs: randomConvs(u.layers, rng),
        classifierWeight: weight,
        classifierBias: bias,
      },
      { input: u.input, pieceOutput: outputOf(u), metadata: { unit: u.key } },
    ),
  );
}

/** A model that only passes its input through: what any model of this input costs. */
export function emptyModel(input: [number, number, number]): Uint8Array {
  const [h, w, c] = input;
  return encodeModel(
    buildOnnxModel(
      {
        layers: [],
        resolution: [h, w],
        convs: new Map(),
        classifierWeight: new Float32Array(0),
        classifierBias: new Float32Array(0),
      },
      { input, pieceOutput: [c, h, w] },
    ),
  );
}

/** A whole subnet with seeded random weights: timed to fit and to check the table. */
export function wholeModel(space: SpaceConfig, task: TaskConfig, arch: Arch, seed = 1): Uint8Array {
  const layers = subnetLayers(space, task, arch);
  const rng = new Rng(seed);
  const { weight, bias } = classifier(layers, rng);
  const first = layers[0];
  const resolution: [number, number] =
    first.kind === 'conv' ? [first.hin, first.win] : [task.input[0], task.input[1]];
  return encodeModel(
    buildOnnxModel(
      {
        layers,
        resolution,
        convs: randomConvs(layers, rng),
        classifierWeight: weight,
        classifierBias: bias,
      },
      { input: task.input },
    ),
  );
}

export const inputKey = (input: readonly number[]): string => input.join('x');
