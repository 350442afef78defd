import type { Rng } from '#shared/rng';
import { randomArchOf } from '../../../space/randomArch';
import type { SamplerSpace } from './samplerSpace';
import { stateRecord } from './samplerState';
import type { Sampler, SampledSubnet } from './samplerTypes';

/**
 * The sandwich rule (BigNAS): the largest subnet, the smallest, then `subnets − 2`
 * random ones. The largest always comes first, so it can serve as the teacher of
 * in-place distillation; with `subnets: 1` only the largest is trained.
 */
export class SandwichSampler implements Sampler {
  constructor(
    private readonly s: SamplerSpace,
    private readonly rng: Rng,
  ) {}

  sample(): SampledSubnet[] {
    const n = this.s.train.sampler.subnets;
    const out = [this.s.subnet('largest', this.s.largest)];
    if (n >= 2) out.push(this.s.subnet('smallest', this.s.smallest));
    for (let i = 2; i < n; i++)
      out.push(this.s.subnet('random', randomArchOf(this.s.decisions, this.rng)));
    return out;
  }

  observe(): void {}

  epochEnd(): void {}

  probabilities(): Record<string, number[]> {
    return {};
  }

  state(): unknown {
    return { type: 'sandwich' };
  }

  restore(state: unknown): void {
    stateRecord(state, 'sandwich');
  }
}
