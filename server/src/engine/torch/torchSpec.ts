import type { Arch } from '#shared/arch';
import type { Layer } from '../../space/layers';
import type { ParameterKind, Supernet } from '../model/supernet';
import type { SampledSubnet } from '../train/samplers/samplerTypes';
import { decays } from '../train/trainStep';

/**
 * The supernet as the pytorch backend receives it: one more lowering of the layer list that
 * the cost model, the tfjs forward pass and ONNX export read (space/layers.ts), so the four
 * cannot disagree. Version 1: python/supernet_torch/net.py reads it and refuses any other.
 */
export const TORCH_SPEC_VERSION = 1;

export interface TorchSpec {
  version: typeof TORCH_SPEC_VERSION;
  /** Every tensor of the supernet's state by its checkpoint name, in the engine's layout. */
  parameters: {
    name: string;
    shape: number[];
    kind: ParameterKind;
    trainable: boolean;
    /** Whether L2 weight decay applies (the optimizer's rule, trainStep.ts). */
    decay: boolean;
  }[];
  /** By depthwise layer: its kernel transforms (OFA), largest size first. */
  transforms: Record<string, { from: number; to: number; name: string }[]>;
}

/** A subnet of a step: its layers, its input size and its gradient's scale in the update. */
export interface TorchSubnet {
  layers: Layer[];
  input: [number, number];
  gradScale?: number;
}

export function supernetSpec(net: Supernet): TorchSpec {
  const transforms: TorchSpec['transforms'] = {};
  for (const [layer, steps] of net.transforms)
    transforms[layer] = steps.map((t) => ({
      from: t.from,
      to: t.to,
      name: `${layer}.transform${t.from}to${t.to}`,
    }));
  return {
    version: TORCH_SPEC_VERSION,
    parameters: net.parameters().map((p) => ({
      name: p.name,
      shape: [...p.variable.shape],
      kind: p.kind,
      trainable: p.variable.trainable,
      decay: decays(p.kind),
    })),
    transforms,
  };
}

export function torchSubnet(net: Supernet, sub: SampledSubnet): TorchSubnet {
  const plan = net.plan(sub.arch);
  return {
    layers: plan.layers,
    input: plan.input,
    ...(sub.gradScale !== undefined && sub.gradScale !== 1 ? { gradScale: sub.gradScale } : {}),
  };
}

/**
 * `train.weightDecayScope: each-subnet` for the compute process: per subnet, each decayed
 * kernel it reads with the region it reads (Supernet.kernelRegion, the one definition), and
 * the classifier's weight whole (null).
 */
export function decayRegions(net: Supernet, archs: readonly Arch[]): [string, number[] | null][][] {
  return archs.map((arch) => [
    ...net
      .plan(arch)
      .layers.flatMap((l): [string, number[]][] =>
        l.kind === 'conv' ? [[`${l.name}.kernel`, net.kernelRegion(l)]] : [],
      ),
    ['classifier.weight', null],
  ]);
}
