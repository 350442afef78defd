import type { PathFeedback, Sampler, SampledSubnet } from './samplerTypes';

/**
 * A sampler that reshapes what another draws (delayed or progressive shrinking, one
 * resolution per step): it passes everything through, keeps no state of its own (its
 * decisions depend only on progress or on the shared generator the trainer checkpoints),
 * and overrides what it changes.
 */
export abstract class SamplerWrapper implements Sampler {
  constructor(protected readonly inner: Sampler) {}

  abstract sample(progress: number): SampledSubnet[];

  observe(feedback: PathFeedback[], progress: number): void {
    this.inner.observe(feedback, progress);
  }

  epochEnd(): void {
    this.inner.epochEnd();
  }

  probabilities(): Record<string, number[]> {
    return this.inner.probabilities();
  }

  state(): unknown {
    return this.inner.state();
  }

  restore(state: unknown): void {
    this.inner.restore(state);
  }
}
