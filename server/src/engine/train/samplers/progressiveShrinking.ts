import type { Arch } from '#shared/arch';
import { buildArch, valueOf, type Decision, type DecisionKind } from '../../../space/decisions';
import type { SamplerSpace } from './samplerSpace';
import type { PathFeedback, Sampler, SampledSubnet } from './samplerTypes';
import { SamplerWrapper } from './samplerWrapper';

/** The dimensions that become elastic at each phase boundary, in OFA's order. */
const PHASES: DecisionKind[][] = [['resolution', 'kernel'], ['depth'], ['expand', 'width']];

/**
 * The dimensions progressive shrinking with phase `bounds` has made elastic at `progress`;
 * undefined while the largest subnet trains alone.
 */
export function elasticKinds(
  bounds: readonly number[],
  progress: number,
): Set<DecisionKind> | undefined {
  if (progress < bounds[0]) return undefined;
  const on = new Set<DecisionKind>();
  PHASES.forEach((kinds, i) => {
    if (i === 0 || progress >= bounds[i]) for (const k of kinds) on.add(k);
  });
  return on;
}

/**
 * Progressive shrinking (Once-for-All): the largest subnet alone until `bounds[0]` of
 * training, then elastic resolution and kernel, from `bounds[1]` also depth, from
 * `bounds[2]` also expand ratio and width. `inner` samples as usual; the dimensions not
 * yet elastic are set to their largest choice in what it draws (the smallest subnet of a
 * phase is the smallest along its elastic dimensions), so the weights of a small kernel
 * or a shallow stage are fitted before they must also serve narrow layers.
 */
export class ProgressiveShrinking extends SamplerWrapper {
  constructor(
    inner: Sampler,
    private readonly s: SamplerSpace,
    private readonly bounds: readonly number[],
  ) {
    super(inner);
  }

  /** The dimensions elastic at `progress`; undefined: the largest subnet alone. */
  elastic(progress: number): Set<DecisionKind> | undefined {
    return elasticKinds(this.bounds, progress);
  }

  sample(progress: number): SampledSubnet[] {
    const on = this.elastic(progress);
    if (!on) return [this.s.subnet('largest', this.s.largest)];
    if (on.size === 5) return this.inner.sample(progress);
    return this.inner
      .sample(progress)
      .map((sub) => this.s.subnet(sub.role, this.clamp(sub.arch, on)));
  }

  private clamp(arch: Arch, on: Set<DecisionKind>): Arch {
    const largest = (d: Decision) => d.choices[d.choices.length - 1];
    // Depth first: a clamped depth fills the new blocks from the arch where it has them.
    return buildArch(this.s.decisions, (d) =>
      on.has(d.kind) ? (valueOf(arch, d) ?? largest(d)) : largest(d),
    );
  }

  observe(feedback: PathFeedback[], progress: number): void {
    if (this.elastic(progress)) this.inner.observe(feedback, progress);
  }
}
