import type { SpaceConfig, TaskConfig } from '../config/configSchema';

import type { Arch } from '#shared/arch';

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
