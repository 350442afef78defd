import { Rng } from '#shared/rng';

/**
 * A benchmark space that nobody chose: drawn from a seed within stated limits, so that a
 * held-out ranking table tests the default recipe on a space picked neither to flatter it
 * nor to make FLOPs rank badly. The limits keep a subnet's 2-epoch stand-alone training on
 * Fashion-MNIST (28×28×1) within a few minutes on one core:
 * - resolution: 1–2 of {14, 21, 28};
 * - stem: 8 or 16 wide, 3×3, stride 2;
 * - 2 or 3 stages, strides 2, 2 (then 1); per stage 1–2 depths of {1, 2, 3}, 1–3 widths
 *   of the stage's pool ({8, 16, 24, 32}, {16, 32, 48, 64}, {32, 64, 96}), 1–2 kernels of
 *   {3, 5, 7}, 1–2 expand ratios of {1, 2, 4, 6};
 * - head: 32 or 64 wide.
 */
export interface GeneratedSpace {
  resolution: number[];
  stem: { width: number; kernel: number; stride: number };
  stages: {
    depth: number[];
    width: number[];
    kernel: number[];
    expand: number[];
    stride: number;
  }[];
  head: { width: number };
}

const WIDTH_POOLS = [
  [8, 16, 24, 32],
  [16, 32, 48, 64],
  [32, 64, 96],
];

/** `lo`…`hi` distinct values of `xs`, drawn, in ascending order. */
function someOf(rng: Rng, xs: readonly number[], lo: number, hi: number): number[] {
  const n = lo + rng.int(hi - lo + 1);
  return (rng.shuffle([...xs]) as number[]).slice(0, n).sort((a, b) => a - b);
}

export function generateSpace(seed: number): GeneratedSpace {
  const rng = new Rng(seed);
  const resolution = someOf(rng, [14, 21, 28], 1, 2);
  const stem = { width: rng.pick([8, 16]), kernel: 3, stride: 2 };
  const stageCount = 2 + rng.int(2);
  const stages = Array.from({ length: stageCount }, (_, i) => ({
    depth: someOf(rng, [1, 2, 3], 1, 2),
    width: someOf(rng, WIDTH_POOLS[i], 1, 3),
    kernel: someOf(rng, [3, 5, 7], 1, 2),
    expand: someOf(rng, [1, 2, 4, 6], 1, 2),
    stride: i < 2 ? 2 : 1,
  }));
  return { resolution, stem, stages, head: { width: rng.pick([32, 64]) } };
}
