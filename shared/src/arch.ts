/**
 * A subnet of a search space and its canonical key: the arch key names a subnet in
 * candidates.jsonl, exports, the engine protocol and the editor.
 */
import { int, list, obj } from './schema/dsl';
import { problemOf } from './schema/validate';

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

const whole = (doc: string) => int(doc, { minimum: 0 });

/** An Arch as it crosses a boundary (a file, a message, a queue job): whole numbers only. */
export const archSchema = obj('A subnet of the search space.', {
  resolution: whole('Input resolution in pixels.'),
  stages: list(
    'The active part of each stage.',
    obj('One stage.', {
      depth: whole('Blocks the subnet runs in this stage (its first `depth`).'),
      width: whole('Output channels.'),
      blocks: list(
        'Kernel and expand ratio of each active block.',
        obj('One MBConv block.', {
          kernel: whole('Depthwise kernel size.'),
          expand: whole('Expand ratio.'),
        }),
      ),
    }),
  ),
});

/** Whether `x` (read from a file or a message) has the shape of an Arch. */
export const isArch = (x: unknown): x is Arch => problemOf(archSchema, x) === undefined;

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
