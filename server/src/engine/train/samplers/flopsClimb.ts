import type { Arch } from '#shared/arch';
import type { Rng } from '#shared/rng';
import { activeDecisions, valueOf, withDecision, type Decision } from '../../../space/decisions';
import type { SamplerSpace } from './samplerSpace';

/** Random subnets drawn per sampled subnet before falling back on the climb. */
export const REJECTION_TRIES = 32;
/** Subnets the hill climb may evaluate. */
const MUTATION_EVALS = 256;

/** A subnet and its FLOPs. */
export interface FlopsCandidate {
  arch: Arch;
  flops: number;
}

/**
 * Moves `start` toward `target` FLOPs by single-choice steps, each keeping the FLOPs within
 * [lo, hi], until `done` holds. Each round tries the movable decisions in random order and
 * takes the first step that gets closer; a round without one is a local optimum, where it
 * stops. The samplers that aim at a complexity (complexity-aware, ShiftNAS) fall back on it
 * when rejection sampling finds no subnet of the complexity they want.
 */
export function climbToward(
  s: SamplerSpace,
  rng: Rng,
  start: FlopsCandidate,
  lo: number,
  hi: number,
  target: number,
  done: (flops: number) => boolean,
): FlopsCandidate {
  const dec = s.decisions;
  // New blocks of a deeper stage start at their smallest choices: the smallest FLOPs step.
  const fill = (d: Decision): number => d.choices[0];
  const step = (arch: Arch, d: Decision, dir: number): number | undefined =>
    d.choices[d.choices.indexOf(valueOf(arch, d) as number) + dir];
  let cur = start;
  let evals = 0;
  while (!done(cur.flops) && evals < MUTATION_EVALS) {
    // FLOPs grow with every choice, so only steps in this direction can get closer.
    const dir = cur.flops < target ? 1 : -1;
    const movable = activeDecisions(cur.arch, dec).filter(
      (d) => step(cur.arch, d, dir) !== undefined,
    );
    rng.shuffle(movable);
    let moved = false;
    for (const d of movable) {
      const arch = withDecision(cur.arch, dec, d, step(cur.arch, d, dir) as number, fill);
      const flops = s.flops(arch);
      evals++;
      if (flops >= lo && flops <= hi && Math.abs(flops - target) < Math.abs(cur.flops - target)) {
        cur = { arch, flops };
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  return cur;
}
