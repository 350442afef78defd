import type { SpaceConfig, TaskConfig } from '../config/configSchema';
import type { Arch } from '#shared/arch';
import { resolutions } from './arch';
import { subnetLayers, type ConvLayer, type Layer } from './layers';

/**
 * A subnet cut into the pieces a device's latency table times one by one (OFA's latency
 * table, nn-Meter's kernels): the stem with the resize to the subnet's resolution, each
 * MBConv block (expand, depthwise, project and its residual) at its input size, and the
 * head (head convolution, pooling, classifier). A piece's key says everything its time
 * depends on, so equal keys are one entry of the table, whichever subnet or space has it.
 */
export interface LatencyUnit {
  key: string;
  kind: 'stem' | 'block' | 'head';
  /** The unit's layers, a residual's source renumbered to −1 (the unit's input). */
  layers: Layer[];
  /** What the unit takes: [height, width, channels] (the stem: the task's input). */
  input: [number, number, number];
  /** The size its first convolution works at: the stem resizes the input to it. */
  resolution: [number, number];
}

const conv = (l: Layer | undefined): ConvLayer => {
  if (l?.kind !== 'conv') throw new Error('A latency unit starts with a convolution');
  return l;
};

/** The units of one subnet, in execution order. */
export function archUnits(space: SpaceConfig, task: TaskConfig, arch: Arch): LatencyUnit[] {
  const layers = subnetLayers(space, task, arch);
  const units: LatencyUnit[] = [];
  const [H, W, C] = task.input;
  const stem = conv(layers[0]);
  units.push({
    key: `stem:${H}x${W}x${C}>${stem.hin}x${stem.win}:${stem.cout}:k${stem.kernel}s${stem.stride}`,
    kind: 'stem',
    layers: [stem],
    input: [H, W, C],
    resolution: [stem.hin, stem.win],
  });
  let i = 1;
  while (i < layers.length && layers[i].kind === 'conv' && (layers[i] as ConvLayer).at) {
    const expand = conv(layers[i]);
    const at = expand.at as NonNullable<ConvLayer['at']>;
    const block: Layer[] = [];
    for (; i < layers.length; i++) {
      const l = layers[i];
      const here = l.kind === 'conv' || l.kind === 'add' ? l.at : undefined;
      if (!here || here.stage !== at.stage || here.block !== at.block) break;
      block.push(l.kind === 'add' ? { ...l, from: -1 } : l);
    }
    const dw = conv(block[1]);
    const project = conv(block[2]);
    const residual = block.some((l) => l.kind === 'add');
    units.push({
      key:
        `block:${expand.hin}x${expand.win}:${expand.cin}>${expand.cout}>${project.cout}` +
        `:k${dw.kernel}s${dw.stride}${residual ? '+res' : ''}`,
      kind: 'block',
      layers: block,
      input: [expand.hin, expand.win, expand.cin],
      resolution: [expand.hin, expand.win],
    });
  }
  const head = conv(layers[i]);
  const rest = layers.slice(i);
  const linear = rest[rest.length - 1];
  if (linear.kind !== 'linear') throw new Error('A subnet ends with its classifier');
  units.push({
    key: `head:${head.hin}x${head.win}:${head.cin}>${head.cout}>${linear.cout}`,
    kind: 'head',
    layers: rest,
    input: [head.hin, head.win, head.cin],
    resolution: [head.hin, head.win],
  });
  return units;
}

/**
 * Every distinct unit any subnet of the space has. A block's time depends on its input
 * size (set by the resolution), its input width (the previous stage's width for a stage's
 * first block, else its own), its width, kernel and expand ratio: subnets are built that
 * cover each combination, and their units collected by key, so the units are cut exactly
 * as archUnits cuts a real subnet.
 */
export function spaceUnits(space: SpaceConfig, task: TaskConfig): LatencyUnit[] {
  const found = new Map<string, LatencyUnit>();
  const add = (arch: Arch) => {
    for (const u of archUnits(space, task, arch)) if (!found.has(u.key)) found.set(u.key, u);
  };
  const uniq = (xs: readonly number[]) => [...new Set(xs)].sort((a, b) => a - b);
  const stages = space.stages.map((s) => ({
    depth: Math.max(...s.depth),
    widths: uniq(s.width),
    kernels: uniq(s.kernel),
    expands: uniq(s.expand),
  }));
  // Every stage at its full depth and given widths, every block the same kernel and expand.
  const archOf = (res: number, widths: number[], kernel: number[], expand: number[]): Arch => ({
    resolution: res,
    stages: stages.map((s, si) => ({
      depth: s.depth,
      width: widths[si],
      blocks: Array.from({ length: s.depth }, () => ({ kernel: kernel[si], expand: expand[si] })),
    })),
  });
  for (const res of uniq(resolutions(space, task))) {
    const first = stages.map((s) => s.widths[0]);
    const k0 = stages.map((s) => s.kernels[0]);
    const e0 = stages.map((s) => s.expands[0]);
    stages.forEach((s, si) => {
      // Stage si's blocks at every width, kernel and expand, after each width of stage si − 1.
      const before = si > 0 ? stages[si - 1].widths : [undefined];
      for (const prev of before)
        for (const width of s.widths)
          for (const kernel of s.kernels)
            for (const expand of s.expands) {
              const widths = [...first];
              if (prev !== undefined) widths[si - 1] = prev;
              widths[si] = width;
              const k = [...k0];
              const e = [...e0];
              k[si] = kernel;
              e[si] = expand;
              add(archOf(res, widths, k, e));
            }
    });
  }
  return [...found.values()];
}
