import { archKey, type Arch } from '#shared/arch';
import { Rng } from '#shared/rng';
import type { spaceDecisions } from './decisions';
import { randomArchOf } from './randomArch';

/** `n` distinct random subnets of the space (fewer only when the space has fewer). */
function distinctArchs(
  decisions: ReturnType<typeof spaceDecisions>,
  n: number,
  seed: number,
): Arch[] {
  const rng = new Rng(seed);
  const seen = new Map<string, Arch>();
  for (let tries = 0; seen.size < n && tries < 100 * n; tries++) {
    const a = randomArchOf(decisions, rng);
    seen.set(archKey(a), a);
  }
  return [...seen.values()];
}

/**
 * `n` subnets spread over the space's FLOPs: a pool of 20·n distinct random subnets sorted
 * by FLOPs, cut into n strata of equal count, one drawn from each. Uniform draws crowd the
 * middle of the FLOPs range, where accuracies differ least; a ranking check needs the
 * spread to tell a supernet that ranks from one that does not.
 */
export function stratifiedArchs(
  decisions: ReturnType<typeof spaceDecisions>,
  flopsOf: (a: Arch) => number,
  n: number,
  seed: number,
): Arch[] {
  const pool = distinctArchs(decisions, 20 * n, seed)
    .map((arch) => ({ arch, flops: flopsOf(arch), key: archKey(arch) }))
    .sort((a, b) => a.flops - b.flops || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (pool.length <= n) return pool.map((p) => p.arch);
  const rng = new Rng(seed + 1);
  return [...Array(n)].map((_, s) => {
    const lo = Math.floor((s * pool.length) / n);
    const hi = Math.floor(((s + 1) * pool.length) / n);
    return pool[lo + rng.int(hi - lo)].arch;
  });
}
