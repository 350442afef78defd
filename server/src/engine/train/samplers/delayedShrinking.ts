import type { SamplerSpace } from './samplerSpace';
import type { PathFeedback, Sampler, SampledSubnet } from './samplerTypes';
import { SamplerWrapper } from './samplerWrapper';

/**
 * Delayed shrinking (OFA progressive shrinking, simplified): while `progress` is
 * below `until`, only the largest subnet is trained and `inner` is not consulted at
 * all, so it neither draws random numbers nor learns from the largest-only phase;
 * its walk or estimates start when sampling starts.
 */
export class DelayedShrinking extends SamplerWrapper {
  constructor(
    inner: Sampler,
    private readonly s: SamplerSpace,
    private readonly until: number,
  ) {
    super(inner);
  }

  sample(progress: number): SampledSubnet[] {
    return progress < this.until
      ? [this.s.subnet('largest', this.s.largest)]
      : this.inner.sample(progress);
  }

  observe(feedback: PathFeedback[], progress: number): void {
    if (progress >= this.until) this.inner.observe(feedback, progress);
  }
}
