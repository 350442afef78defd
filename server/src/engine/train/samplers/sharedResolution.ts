import type { Rng } from '#shared/rng';
import type { SamplerSpace } from './samplerSpace';
import type { Sampler, SampledSubnet } from './samplerTypes';
import { SamplerWrapper } from './samplerWrapper';

/**
 * One input resolution per step for every subnet of the step (Once-for-All), drawn
 * uniformly from the space's resolutions. With per-subnet resolutions (BigNAS) the
 * largest subnet only ever sees the highest resolution and the smallest the lowest, so the
 * wide layers never learn the small inputs, and a large subnet at a lower resolution
 * scores below the smallest subnet in the supernet though not when trained alone.
 */
export class SharedResolution extends SamplerWrapper {
  constructor(
    inner: Sampler,
    private readonly s: SamplerSpace,
    private readonly rng: Rng,
  ) {
    super(inner);
  }

  sample(progress: number): SampledSubnet[] {
    const drawn = this.inner.sample(progress);
    const resolution = this.rng.pick(this.s.decisions.resolution.choices);
    return drawn.map((sub) => this.s.subnet(sub.role, { ...sub.arch, resolution }));
  }
}
