import type { SpaceConfig, TaskConfig } from '../config/configSchema';
import type { Arch } from '#shared/arch';

/**
 * The static layers of a subnet, in execution order: the one structure that FLOPs,
 * parameters, the memory estimate, the engine's forward pass, extraction and ONNX export
 * all read, so their counts and outputs agree by construction. What a layer does is in
 * its fields (a convolution's role and block, a residual's source), never in its name;
 * names only key the shared weights and the checkpoint.
 */
export type Layer = ConvLayer | AddLayer | PoolLayer | LinearLayer;

/** What a convolution is in the network: the stem, one of an MBConv block's three, or the head. */
export type ConvRole = 'stem' | 'expand' | 'depthwise' | 'project' | 'head';

/** The block a layer belongs to: 0-based stage and block within the stage. */
export interface BlockPosition {
  stage: number;
  block: number;
}

export interface ConvLayer {
  kind: 'conv';
  name: string;
  role: ConvRole;
  /** The block of an expand, depthwise or project convolution; absent for the stem and head. */
  at?: BlockPosition;
  cin: number;
  cout: number;
  kernel: number;
  stride: number;
  /** 1 for a full convolution, `cin` for a depthwise one. */
  groups: number;
  hin: number;
  win: number;
  hout: number;
  wout: number;
  /** Every convolution is followed by batch norm; ReLU6 unless it is a block's projection. */
  relu6: boolean;
}

/** A block's residual: its output plus its input, the output of layer `from` (−1: the image). */
export interface AddLayer {
  kind: 'add';
  name: string;
  at: BlockPosition;
  from: number;
  channels: number;
  h: number;
  w: number;
}

export interface PoolLayer {
  kind: 'pool';
  name: string;
  channels: number;
  hin: number;
  win: number;
}

export interface LinearLayer {
  kind: 'linear';
  name: string;
  cin: number;
  cout: number;
}

/** Output size of a 'same'-padded convolution. */
export const sameOut = (size: number, stride: number): number => Math.ceil(size / stride);

/** Input size of a subnet at `resolution`: height = resolution, width keeps the input's aspect. */
export function inputSize(resolution: number, task: TaskConfig): [number, number] {
  const [h, w] = task.input;
  return [resolution, Math.max(1, Math.round((resolution * w) / h))];
}

export function subnetLayers(space: SpaceConfig, task: TaskConfig, arch: Arch): Layer[] {
  const layers: Layer[] = [];
  let [h, w] = inputSize(arch.resolution, task);
  const conv = (
    name: string,
    role: ConvRole,
    at: BlockPosition | undefined,
    cin: number,
    cout: number,
    kernel: number,
    stride: number,
    groups: number,
    relu6: boolean,
  ): void => {
    const hout = sameOut(h, stride);
    const wout = sameOut(w, stride);
    layers.push({
      kind: 'conv',
      name,
      role,
      ...(at ? { at } : {}),
      cin,
      cout,
      kernel,
      stride,
      groups,
      hin: h,
      win: w,
      hout,
      wout,
      relu6,
    });
    h = hout;
    w = wout;
  };
  const stem = space.stem;
  conv('stem', 'stem', undefined, task.input[2], stem.width, stem.kernel, stem.stride, 1, true);
  let c = stem.width;
  arch.stages.forEach((stage, si) => {
    stage.blocks.forEach((b, bi) => {
      const name = `stage${si + 1}.block${bi + 1}`;
      const at = { stage: si, block: bi };
      const stride = bi === 0 ? space.stages[si].stride : 1;
      const hid = c * b.expand;
      const residual = stride === 1 && c === stage.width;
      const input = layers.length - 1;
      conv(`${name}.expand`, 'expand', at, c, hid, 1, 1, 1, true);
      conv(`${name}.depthwise`, 'depthwise', at, hid, hid, b.kernel, stride, hid, true);
      conv(`${name}.project`, 'project', at, hid, stage.width, 1, 1, 1, false);
      if (residual)
        layers.push({
          kind: 'add',
          name: `${name}.residual`,
          at,
          from: input,
          channels: stage.width,
          h,
          w,
        });
      c = stage.width;
    });
  });
  conv('head', 'head', undefined, c, space.head.width, 1, 1, 1, true);
  layers.push({ kind: 'pool', name: 'pool', channels: space.head.width, hin: h, win: w });
  layers.push({ kind: 'linear', name: 'classifier', cin: space.head.width, cout: task.classes });
  return layers;
}

/** The indices of the layers whose outputs a residual adds later: a forward pass keeps them. */
export function residualSources(layers: readonly Layer[]): Set<number> {
  return new Set(layers.flatMap((l) => (l.kind === 'add' ? [l.from] : [])));
}

/** Whether a layer belongs to stage `s` (a block's convolution or residual). */
export const inStage = (l: Layer, s: number): boolean =>
  (l.kind === 'conv' || l.kind === 'add') && l.at?.stage === s;

/** Multiply-accumulates of a layer (batch norm is folded at inference; adds and pooling are not counted). */
export function layerMacs(l: Layer): number {
  switch (l.kind) {
    case 'conv':
      return l.hout * l.wout * l.kernel * l.kernel * (l.cin / l.groups) * l.cout;
    case 'linear':
      return l.cin * l.cout;
    default:
      return 0;
  }
}

/** Trainable parameters of a layer: convolution weights (no bias), batch-norm scale and shift, linear weights and bias. */
export function layerParams(l: Layer): number {
  switch (l.kind) {
    case 'conv':
      return l.kernel * l.kernel * (l.cin / l.groups) * l.cout + 2 * l.cout;
    case 'linear':
      return l.cin * l.cout + l.cout;
    default:
      return 0;
  }
}

/**
 * Float elements a training step keeps alive per image for the backward pass:
 * each convolution's output, its batch-norm output and its activation, each
 * residual sum, the pooled vector and the logits.
 */
export function layerSavedActivations(l: Layer): number {
  switch (l.kind) {
    case 'conv':
      return l.hout * l.wout * l.cout * (l.relu6 ? 3 : 2);
    case 'add':
      return l.h * l.w * l.channels;
    case 'pool':
      return l.channels;
    case 'linear':
      return l.cout;
  }
}
