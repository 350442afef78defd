import type { Arch } from '#shared/arch';
import type { Rng } from '#shared/rng';
import { buildArch, valueOf, type Decision } from '../../../space/decisions';
import { sameArch, sampledSlots, type SamplerSpace } from './samplerSpace';
import { stateNumber, stateRecord } from './samplerState';
import type { PathFeedback, Sampler, SampledSubnet } from './samplerTypes';

/** Weight of the importance distribution against uniform at `progress`: linear from 0 to `weight`. */
export const importanceLambda = (weight: number, progress: number): number =>
  weight * Math.min(1, Math.max(0, progress));

/**
 * Importance sampling of paths, a simplification of PA&DA: the published method, with
 * its differences from this one, is the `pada` sampler (padaSampler.ts); this one is kept
 * as it is for the runs and comparisons that use it. For every decision it keeps, per choice, an
 * EMA of the gradient norm of the weights that choice selects, observed whenever a
 * trained subnet took it:
 *   - a block's kernel and expand ← that block's gradient norm (both shape all of
 *     the block's weights; the feedback does not split them further);
 *   - a stage's depth and width ← the stage's gradient norm;
 *   - the resolution ← the subnet's total gradient norm (it scales every layer).
 * Per decision the EMAs are normalised into a distribution q (a choice not yet
 * observed counts as the mean of the observed ones, so it keeps being drawn until
 * it has its own estimate; no observations at all give uniform), and choices are
 * drawn from p = (1 − λ)·uniform + λ·q, λ growing linearly from 0 to
 * `importanceWeight` over training. Choices with larger gradients are trained more
 * often, which lowers the variance of the supernet's gradient estimate.
 *
 * With distillation the teacher (the largest subnet) comes first and its feedback
 * is ignored: it learns from the labels, the others from its soft targets, so its
 * gradient norms are on a different scale and would skew the largest choices.
 */
export class ImportanceSampler implements Sampler {
  /** EMA per decision per choice; null until the choice is first observed. */
  private ema: Map<string, (number | null)[]>;
  private progress = 0;

  constructor(
    private readonly s: SamplerSpace,
    private readonly rng: Rng,
  ) {
    this.ema = new Map(s.decisions.all.map((d) => [d.name, d.choices.map(() => null)]));
  }

  sample(progress: number): SampledSubnet[] {
    this.progress = progress;
    const { teacher, sampled } = sampledSlots(this.s.train);
    const probs = new Map(this.s.decisions.all.map((d) => [d.name, this.distribution(d)]));
    const out: SampledSubnet[] = teacher ? [this.s.subnet('largest', this.s.largest)] : [];
    for (let i = 0; i < sampled; i++) {
      const arch = buildArch(
        this.s.decisions,
        (d) => d.choices[this.rng.weighted(probs.get(d.name) as number[])],
      );
      out.push(this.s.subnet('random', arch));
    }
    return out;
  }

  observe(feedback: PathFeedback[], progress: number): void {
    this.progress = progress;
    const { teacher } = sampledSlots(this.s.train);
    for (const f of feedback) {
      if (teacher && sameArch(f.arch, this.s.largest)) continue;
      this.attribute(f);
    }
  }

  /** Its estimates are running averages over steps: epochs change nothing. */
  epochEnd(): void {}

  private attribute(f: PathFeedback): void {
    const dec = this.s.decisions;
    this.update(dec.resolution, f.arch, f.totalGradNorm);
    dec.stages.forEach((s, i) => {
      if (i >= f.arch.stages.length) return;
      this.update(s.depth, f.arch, f.stageGradNorms[i]);
      this.update(s.width, f.arch, f.stageGradNorms[i]);
      for (let j = 0; j < f.arch.stages[i].depth && j < s.blocks.length; j++) {
        this.update(s.blocks[j].kernel, f.arch, f.blockGradNorms[i]?.[j]);
        this.update(s.blocks[j].expand, f.arch, f.blockGradNorms[i]?.[j]);
      }
    });
  }

  private update(d: Decision, arch: Arch, norm: number | undefined): void {
    // A NaN or missing norm would poison the estimate for the rest of the run.
    if (norm === undefined || !Number.isFinite(norm) || norm < 0) return;
    const i = d.choices.indexOf(valueOf(arch, d) as number);
    if (i < 0)
      throw new Error(
        `Feedback for a subnet outside the space: ${d.name} = ${String(valueOf(arch, d))}`,
      );
    const e = this.ema.get(d.name) as (number | null)[];
    const m = this.s.train.sampler.importanceMomentum;
    const old = e[i];
    e[i] = old === null ? norm : m * old + (1 - m) * norm;
  }

  /** The mixed distribution of `d`'s choices at the current progress. */
  private distribution(d: Decision): number[] {
    const k = d.choices.length;
    const lambda = importanceLambda(this.s.train.sampler.importanceWeight, this.progress);
    const q = importanceOf(this.ema.get(d.name) as (number | null)[]);
    return q.map((qi) => (1 - lambda) / k + lambda * qi);
  }

  probabilities(): Record<string, number[]> {
    return Object.fromEntries(this.s.decisions.all.map((d) => [d.name, this.distribution(d)]));
  }

  state(): unknown {
    return { type: 'importance', progress: this.progress, ema: Object.fromEntries(this.ema) };
  }

  restore(state: unknown): void {
    const r = stateRecord(state, 'importance');
    const progress = stateNumber(r, 'progress');
    const ema = r.ema as Record<string, unknown> | undefined;
    const next = new Map<string, (number | null)[]>();
    for (const d of this.s.decisions.all) {
      const v = ema?.[d.name];
      const ok =
        Array.isArray(v) &&
        v.length === d.choices.length &&
        v.every((x) => x === null || (typeof x === 'number' && Number.isFinite(x)));
      if (!ok)
        throw new Error(
          `Sampler state: no valid estimates for '${d.name}' (a checkpoint of another space?)`,
        );
      next.set(d.name, [...(v as (number | null)[])]);
    }
    this.ema = next;
    this.progress = progress;
  }
}

/** Normalised importance of each choice; unobserved choices count as the mean of the observed. */
export function importanceOf(ema: readonly (number | null)[]): number[] {
  const seen = ema.filter((x): x is number => x !== null);
  const uniform = ema.map(() => 1 / ema.length);
  if (seen.length === 0) return uniform;
  const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
  const filled = ema.map((x) => x ?? mean);
  const total = filled.reduce((a, b) => a + b, 0);
  return total > 0 ? filled.map((x) => x / total) : uniform;
}
