import { archInSpace } from '../../../space/arch';
import { archKey, parseArchKey, type Arch } from '#shared/arch';
import type { Rng } from '#shared/rng';
import { climbToward, REJECTION_TRIES, type FlopsCandidate as Candidate } from './flopsClimb';
import { randomArchOf } from '../../../space/randomArch';
import { sampledSlots, type SamplerSpace } from './samplerSpace';
import { stateArray, stateNumber, stateRecord } from './samplerState';
import type { Sampler, SampledSubnet } from './samplerTypes';

/**
 * Complexity-aware sampling (ElasticViT).
 *
 * Guarantee, for the subnets it samples (not the teacher): each has FLOPs within
 * `bound` = `maxFlopsChange` × (maxFlops − minFlops) of every subnet of the previous
 * step, and of every other subnet of its own step.
 *
 * Coverage: a FLOPs target performs a persistent random walk over [minFlops,
 * maxFlops], stepping uniformly in [0, bound/2] in its current direction, which
 * reverses at the ends of the range and at random. Like any symmetric reflecting
 * walk its stationary distribution is uniform, and it sweeps the range repeatedly.
 * Each subnet is drawn by rejection sampling among uniformly random subnets for one
 * within ±bound/4 of the target: targets move at most bound/2 a step, so hits of
 * adjacent steps already differ by at most bound.
 *
 * The guarantee does not rest on the walk, though: a draw must also lie in the
 * feasible interval [lo, hi] = ⋂ [F − bound, F + bound] over the previous step's and
 * this step's subnets so far. As a step's subnets are pairwise within `bound`, every
 * one of them is itself feasible for the next step, so the fallback always starts
 * feasible: from the closest feasible candidate seen, else from one of those
 * subnets, a hill climb moves toward the target one choice of one decision at a time
 * (FLOPs are monotone in every choice), accepting only feasible moves. Whatever it
 * returns is feasible, so the bound holds at every step.
 */
export class ComplexityAwareSampler implements Sampler {
  private target: number | undefined;
  /** Direction of the walk: +1 toward larger FLOPs, −1 toward smaller. */
  private direction = 1;
  /** The sampled (non-teacher) subnets of the last step. */
  private previous: Arch[] = [];

  constructor(
    private readonly s: SamplerSpace,
    private readonly rng: Rng,
  ) {}

  /** The largest allowed FLOPs difference between subnets of adjacent steps. */
  get bound(): number {
    return this.s.train.sampler.maxFlopsChange * (this.s.maxFlops - this.s.minFlops);
  }

  sample(): SampledSubnet[] {
    const { teacher, sampled } = sampledSlots(this.s.train);
    this.target = this.nextTarget();
    const bound = this.bound;
    const chosen: Candidate[] = [];
    const anchors: Candidate[] = this.previous.map((arch) => ({ arch, flops: this.s.flops(arch) }));
    let lo = this.s.minFlops;
    let hi = this.s.maxFlops;
    for (const a of anchors)
      [lo, hi] = [Math.max(lo, a.flops - bound), Math.min(hi, a.flops + bound)];
    for (let i = 0; i < sampled; i++) {
      const c = this.draw(lo, hi, [...anchors, ...chosen]);
      chosen.push(c);
      [lo, hi] = [Math.max(lo, c.flops - bound), Math.min(hi, c.flops + bound)];
    }
    this.previous = chosen.map((c) => c.arch);
    const out = chosen.map((c) => this.s.subnet('random', c.arch));
    return teacher ? [this.s.subnet('largest', this.s.largest), ...out] : out;
  }

  private nextTarget(): number {
    const { minFlops: min, maxFlops: max } = this.s;
    // The walk starts anywhere in the range, so no part of it is favoured early on.
    if (this.target === undefined) return min + this.rng.next() * (max - min);
    // Persistent: flipping with probability maxFlopsChange/2 keeps a direction for
    // about half the range (steps average bound/4), so the range is swept in
    // O(1/maxFlopsChange) steps, not the O(1/maxFlopsChange²) of an unbiased walk.
    if (this.rng.next() < this.s.train.sampler.maxFlopsChange / 2) this.direction = -this.direction;
    let t = this.target + this.direction * this.rng.next() * (this.bound / 2);
    // One reflection suffices: a step is at most half the range.
    if (t < min || t > max) {
      t = t < min ? 2 * min - t : 2 * max - t;
      this.direction = -this.direction;
    }
    return Math.min(max, Math.max(min, t));
  }

  private draw(lo: number, hi: number, feasible: readonly Candidate[]): Candidate {
    const target = this.target ?? this.s.minFlops;
    const half = this.bound / 4;
    const inBand = (f: number): boolean => f >= lo && f <= hi && Math.abs(f - target) <= half;
    let best: Candidate | undefined;
    for (let t = 0; t < REJECTION_TRIES; t++) {
      const arch = randomArchOf(this.s.decisions, this.rng);
      const flops = this.s.flops(arch);
      if (flops < lo || flops > hi) continue;
      if (inBand(flops)) return { arch, flops };
      if (!best || Math.abs(flops - target) < Math.abs(best.flops - target)) best = { arch, flops };
    }
    // Only the first subnet of a run has no subnets to fall back on, but for it every
    // candidate is feasible, so `best` is set; the smallest only satisfies the types.
    best ??=
      feasible.length > 0
        ? feasible[this.rng.int(feasible.length)]
        : this.candidate(this.s.smallest);
    return climbToward(this.s, this.rng, best, lo, hi, target, inBand);
  }

  private candidate(arch: Arch): Candidate {
    return { arch, flops: this.s.flops(arch) };
  }

  observe(): void {}

  epochEnd(): void {}

  probabilities(): Record<string, number[]> {
    return {};
  }

  state(): unknown {
    return {
      type: 'complexity-aware',
      target: this.target ?? null,
      direction: this.direction,
      previous: this.previous.map(archKey),
    };
  }

  restore(state: unknown): void {
    const r = stateRecord(state, 'complexity-aware');
    if (r.target !== null && (typeof r.target !== 'number' || !Number.isFinite(r.target))) {
      throw new Error("Sampler state: 'target' must be a number or null");
    }
    const direction = stateNumber(r, 'direction');
    if (direction !== 1 && direction !== -1)
      throw new Error("Sampler state: 'direction' must be 1 or -1");
    const previous = stateArray(r, 'previous').map((k) => {
      const arch = typeof k === 'string' ? parseArchKey(k) : undefined;
      if (!arch || !archInSpace(arch, this.s.space, this.s.task))
        throw new Error(`Sampler state: '${String(k)}' is not a subnet of this space`);
      return arch;
    });
    this.target = r.target === null ? undefined : (r.target as number);
    this.direction = direction;
    this.previous = previous;
  }
}
