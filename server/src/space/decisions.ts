import type { SpaceConfig, TaskConfig } from '../config/configSchema';
import { resolutions } from './arch';
import { type Arch, type BlockArch } from '#shared/arch';

export type DecisionKind = 'resolution' | 'depth' | 'width' | 'kernel' | 'expand';

/**
 * One independent choice of the search space. Names are stable across runs
 * (`resolution`, `stage1.depth`, `stage1.width`, `stage1.block2.kernel`, …) because
 * checkpoints and the dashboard key their per-decision data by them.
 */
export interface Decision {
  name: string;
  kind: DecisionKind;
  /** 0-based stage; -1 for the resolution. */
  stage: number;
  /** 0-based block within the stage; -1 unless kernel or expand. */
  block: number;
  /** The choices, ascending and without duplicates. */
  choices: number[];
}

export interface BlockDecisions {
  kernel: Decision;
  expand: Decision;
}

export interface StageDecisions {
  depth: Decision;
  width: Decision;
  /** One entry per block of the deepest choice; a subnet uses the first `depth`. */
  blocks: BlockDecisions[];
}

export interface SpaceDecisions {
  resolution: Decision;
  stages: StageDecisions[];
  /** Every decision in sampling order: resolution, then per stage depth, width and its blocks. */
  all: Decision[];
}

// Configs only warn about unsorted or repeated choices, so normalise here: choice
// indices must mean the same thing however the list was written.
const distinctSorted = (xs: readonly number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);

export function spaceDecisions(space: SpaceConfig, task: TaskConfig): SpaceDecisions {
  const all: Decision[] = [];
  const make = (
    name: string,
    kind: DecisionKind,
    stage: number,
    block: number,
    xs: readonly number[],
  ): Decision => {
    const d = { name, kind, stage, block, choices: distinctSorted(xs) };
    all.push(d);
    return d;
  };
  const resolution = make('resolution', 'resolution', -1, -1, resolutions(space, task));
  const stages = space.stages.map((s, i) => {
    const prefix = `stage${i + 1}`;
    const depth = make(`${prefix}.depth`, 'depth', i, -1, s.depth);
    const width = make(`${prefix}.width`, 'width', i, -1, s.width);
    const blocks = Array.from({ length: Math.max(...s.depth) }, (_, j) => ({
      kernel: make(`${prefix}.block${j + 1}.kernel`, 'kernel', i, j, s.kernel),
      expand: make(`${prefix}.block${j + 1}.expand`, 'expand', i, j, s.expand),
    }));
    return { depth, width, blocks };
  });
  return { resolution, stages, all };
}

/**
 * Builds a subnet by asking `pick` for each decision in the fixed sampling order
 * (resolution; per stage depth, width, then kernel and expand of the active blocks).
 * The order is part of reproducibility: a seeded `pick` gives the same subnet only
 * if it is asked the same questions in the same order.
 */
export function buildArch(dec: SpaceDecisions, pick: (d: Decision) => number): Arch {
  const resolution = pick(dec.resolution);
  const stages = dec.stages.map((s) => {
    const depth = pick(s.depth);
    const width = pick(s.width);
    const blocks: BlockArch[] = [];
    for (let j = 0; j < depth; j++)
      blocks.push({ kernel: pick(s.blocks[j].kernel), expand: pick(s.blocks[j].expand) });
    return { depth, width, blocks };
  });
  return { resolution, stages };
}

/** The value `arch` takes for `d`; undefined for a block beyond its stage's depth. */
export function valueOf(arch: Arch, d: Decision): number | undefined {
  switch (d.kind) {
    case 'resolution':
      return arch.resolution;
    case 'depth':
      return arch.stages[d.stage].depth;
    case 'width':
      return arch.stages[d.stage].width;
    case 'kernel':
      return arch.stages[d.stage].blocks[d.block]?.kernel;
    case 'expand':
      return arch.stages[d.stage].blocks[d.block]?.expand;
  }
}

/** Decisions that shape `arch`: all but those of blocks beyond their stage's depth. */
export function activeDecisions(arch: Arch, dec: SpaceDecisions): Decision[] {
  return dec.all.filter((d) => valueOf(arch, d) !== undefined);
}

/**
 * A copy of `arch` with `d` set to `value`. Raising a depth adds blocks whose kernel
 * and expand come from `fill`; lowering it drops the last blocks.
 */
export function withDecision(
  arch: Arch,
  dec: SpaceDecisions,
  d: Decision,
  value: number,
  fill: (d: Decision) => number,
): Arch {
  const stages = arch.stages.map((s) => ({ ...s, blocks: s.blocks.map((b) => ({ ...b })) }));
  const next: Arch = { resolution: arch.resolution, stages };
  switch (d.kind) {
    case 'resolution':
      next.resolution = value;
      break;
    case 'width':
      stages[d.stage].width = value;
      break;
    case 'kernel':
      stages[d.stage].blocks[d.block].kernel = value;
      break;
    case 'expand':
      stages[d.stage].blocks[d.block].expand = value;
      break;
    case 'depth': {
      const s = stages[d.stage];
      const blocks = dec.stages[d.stage].blocks;
      s.blocks = s.blocks.slice(0, value);
      for (let j = s.blocks.length; j < value; j++) {
        s.blocks.push({ kernel: fill(blocks[j].kernel), expand: fill(blocks[j].expand) });
      }
      s.depth = value;
      break;
    }
  }
  return next;
}
