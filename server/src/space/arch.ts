import type { SpaceConfig, TaskConfig } from '../config/configSchema';

/** One active MBConv block of a subnet. */
export interface BlockArch {
  kernel: number;
  expand: number;
}

/** The active part of one stage: its depth, width and the settings of its first `depth` blocks. */
export interface StageArch {
  depth: number;
  width: number;
  blocks: BlockArch[];
}

/** A subnet of the search space. Blocks beyond a stage's depth are not part of it. */
export interface Arch {
  resolution: number;
  stages: StageArch[];
}

export const max = (xs: readonly number[]): number => xs[xs.length - 1];
export const min = (xs: readonly number[]): number => xs[0];

/** Resolutions of a space: its `resolution` choices, else the input height. */
export function resolutions(space: SpaceConfig, task: TaskConfig): number[] {
  return space.resolution ?? [task.input[0]];
}

const sorted = (xs: readonly number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);

function extremeArch(space: SpaceConfig, task: TaskConfig, pick: (xs: number[]) => number): Arch {
  return {
    resolution: pick(sorted(resolutions(space, task))),
    stages: space.stages.map((s) => {
      const depth = pick(sorted(s.depth));
      return {
        depth,
        width: pick(sorted(s.width)),
        blocks: Array.from({ length: depth }, () => ({
          kernel: pick(sorted(s.kernel)),
          expand: pick(sorted(s.expand)),
        })),
      };
    }),
  };
}

/** Every choice at its largest value: the subnet with the most FLOPs and parameters. */
export const largestArch = (space: SpaceConfig, task: TaskConfig): Arch =>
  extremeArch(space, task, max);

/** Every choice at its smallest value: the subnet with the fewest FLOPs and parameters. */
export const smallestArch = (space: SpaceConfig, task: TaskConfig): Arch =>
  extremeArch(space, task, min);

/**
 * Canonical key of a subnet, stable across runs: `r28-d2w32k3e4k5e6-d1w64k7e6`.
 * Used to cache evaluations and to name exports.
 */
export function archKey(arch: Arch): string {
  const stages = arch.stages.map(
    (s) => `d${s.depth}w${s.width}` + s.blocks.map((b) => `k${b.kernel}e${b.expand}`).join(''),
  );
  return [`r${arch.resolution}`, ...stages].join('-');
}

/** Inverse of `archKey`; undefined when the key is malformed. */
export function parseArchKey(key: string): Arch | undefined {
  const parts = key.split('-');
  const r = /^r(\d+)$/.exec(parts[0] ?? '');
  if (!r) return undefined;
  const stages: StageArch[] = [];
  for (const p of parts.slice(1)) {
    const m = /^d(\d+)w(\d+)((?:k\d+e\d+)*)$/.exec(p);
    if (!m) return undefined;
    const blocks = [...m[3].matchAll(/k(\d+)e(\d+)/g)].map((b) => ({
      kernel: Number(b[1]),
      expand: Number(b[2]),
    }));
    if (blocks.length !== Number(m[1])) return undefined;
    stages.push({ depth: Number(m[1]), width: Number(m[2]), blocks });
  }
  return { resolution: Number(r[1]), stages };
}

/** Whether every choice of `arch` is one the space offers. */
export function archInSpace(arch: Arch, space: SpaceConfig, task: TaskConfig): boolean {
  if (!resolutions(space, task).includes(arch.resolution)) return false;
  if (arch.stages.length !== space.stages.length) return false;
  return arch.stages.every((s, i) => {
    const c = space.stages[i];
    return (
      c.depth.includes(s.depth) &&
      c.width.includes(s.width) &&
      s.blocks.length === s.depth &&
      s.blocks.every((b) => c.kernel.includes(b.kernel) && c.expand.includes(b.expand))
    );
  });
}
