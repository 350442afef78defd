import type { Rng } from '#shared/rng';
import { randomArchOf } from '../../../space/randomArch';
import type { SamplerSpace } from './samplerSpace';
import { stateRecord } from './samplerState';
import type { Sampler, SampledSubnet } from './samplerTypes';

/**
 * Single-path uniform sampling (SPOS): one random subnet per step, whatever
 * `subnets` and `distillation` say. Adding a teacher would turn it into a different
 * method (the sandwich rule without the floor); the config's validator is the place
 * to warn that those settings have no effect here.
 */
export class UniformSampler implements Sampler {
  constructor(
    private readonly s: SamplerSpace,
    private readonly rng: Rng,
  ) {}

  sample(): SampledSubnet[] {
    return [this.s.subnet('random', randomArchOf(this.s.decisions, this.rng))];
  }

  observe(): void {}

  epochEnd(): void {}

  probabilities(): Record<string, number[]> {
    return {};
  }

  state(): unknown {
    return { type: 'uniform' };
  }

  restore(state: unknown): void {
    stateRecord(state, 'uniform');
  }
}
