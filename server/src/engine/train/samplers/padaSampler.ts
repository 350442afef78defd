import type { Arch } from '#shared/arch';
import type { Rng } from '#shared/rng';
import { buildArch, valueOf, type Decision } from '../../../space/decisions';
import type { SamplerSpace } from './samplerSpace';
import { stateRecord } from './samplerState';
import type { PathFeedback, Sampler, SampledSubnet } from './samplerTypes';

/**
 * PA&DA as published (Lu et al., CVPR 2023, "PA&DA: Jointly Sampling PAth and DAta for
 * Consistent NAS"): the path half here, the data half in BatchSampler's `pada` mode.
 *
 * What the method is. The paper's claim (its abstract): the variance of the supernet's gradient estimate
 * is smallest when paths and training images are drawn with probabilities proportional to
 * their normalised gradient norms, so it samples both that way. What its code does (the
 * NAS-Bench-201 release, `nasbench201/train_panda_201.py`, the repository's only
 * implementation; read at commit e65ad62):
 *
 * Path. A path gives each of the cell's 6 edges one of 5 operations (none, skip, 1×1
 * conv, 3×3 conv, average pool); all 15 search cells use the same path. There is ONE
 * distribution over the 5 operations, shared by the 6 edges, each edge drawing from it
 * independently (a path's probability is the product over edges). One path is trained per
 * step (single path, as SPOS) on the plain batch-mean cross-entropy, with the gradient
 * clipped to norm 5. After the step, each operation on the path gets a value: the sum
 * over its instances on the path (every cell, every edge that took it) of ‖∇W‖₂ + ‖∇b‖₂ of
 * its convolution — a norm per tensor, the norms summed — divided by the number of edges
 * that took it. Parameter-free operations give no value. Each operation keeps a running
 * value g, reset to 0 when an epoch starts; a non-zero value v updates it to (g + v)/2.
 * When epoch e (0-based, of E) ends: q = g / Σg, and the distribution of epoch e + 1 is
 * p = τ·q + (1 − τ)·uniform with τ = e/E. So epochs 0 and 1 are uniform; there is no
 * temperature and no floor besides the uniform share (1 − τ), which falls to 1/E: an
 * operation not trained in an epoch (and every parameter-free one) keeps (1 − τ)/5.
 * Nothing is updated within an epoch (`--update_freq` is parsed but unused).
 *
 * Data. For each image of the batch, ‖softmax(z) − onehot(y)‖₂ of the trained path's
 * logits, before the update: the norm of the loss gradient with respect to the last
 * layer's pre-softmax output, the cheap stand-in for the image's gradient norm. An image
 * keeps its first value of the epoch, then (g + v)/2 for each repeat; an image not drawn
 * in the epoch has 0. When epoch e ends: pᵢ = τ·gᵢ/Σg + (1 − τ)/N (the same τ = e/E), and
 * the next epoch's list is N draws with replacement from p, which the loader shuffles into
 * batches. Epoch 0 is a plain permutation. The loss is NOT reweighted: it stays the plain
 * batch mean, not the 1/(N·pᵢ)-weighted mean that makes an importance-sampled gradient
 * unbiased (`padaReweight: true` adds that weight here).
 *
 * Differences from the `importance` sampler (a simplification, kept as it is): it updates
 * its distributions every step from EMAs (momentum `importanceMomentum`) kept for the whole
 * run, where PA&DA freezes them for an epoch and rebuilds them from that epoch's values
 * only; its mixing weight grows per step to `importanceWeight` (0.5), PA&DA's per epoch to
 * (E − 1)/E; a choice it has not seen counts as the mean of the seen ones, in PA&DA as 0;
 * it measures ‖∇‖₂ of all a block's weights together, PA&DA sums per-tensor norms; its EMA
 * takes a first value as is, PA&DA's halves from 0; it trains `subnets` subnets with the
 * largest as teacher, PA&DA one path; its batches are drawn one at a time from the current
 * weights (each image's last value) and always reweighted by 1/(n·p), PA&DA draws an
 * epoch's list at once and does not reweight.
 *
 * What this engine changes, and why:
 *   - Elastic decisions instead of a cell's edges. Each decision (resolution; per stage
 *     depth and width; per block kernel and expand ratio) has its own distribution over its
 *     own choices: unlike NAS-Bench-201's edges, decisions do not share a choice set.
 *     A path's probability is the product over the decisions it uses.
 *   - A choice's "operation". Elastic choices slice shared weights rather than owning
 *     theirs, so a choice is credited with the gradient norm of the weights it shapes:
 *     kernel and expand ← the block's, depth and width ← the stage's active blocks',
 *     resolution ← every weight. The norm is PA&DA's, the sum of per-tensor ‖∇‖₂
 *     (PathFeedback.tensorNormSums), over every tensor there, batch-norm scales and offsets
 *     included (NAS-Bench-201's operations have none). Every choice has weights, so no
 *     choice is stuck at zero the way a parameter-free operation is.
 *   - No gradient clipping in this engine: the norms are of the raw gradient.
 *   - τ is the progress at the epoch's first step: e/E when the run is whole epochs, and
 *     still a linear ramp with `steps` or fractional epochs (the last part-epoch never
 *     closes). An epoch without a usable value leaves the distribution as it was, where
 *     the code would divide by zero; one spent wholly in delayed shrinking is no epoch.
 *   - An epoch is ⌊N / batchSize⌋ full batches: the N mod batchSize draws left over are
 *     not trained (the code trains a last, smaller batch), so in epoch 0 those images get
 *     importance 0, like any image not drawn.
 *   - One path per step whatever `subnets` and `distillation` say (a written `subnets`
 *     other than 1 is warned about), and its own resolution even with `resolution:
 *     per-step`: with one path per step the two settings mean the same, and the decision is
 *     sampled like the others.
 *   - Delayed or progressive shrinking, when configured, wrap it as they wrap every
 *     sampler; the data half runs from the first step, on whichever subnet is trained.
 */
export class PadaSampler implements Sampler {
  /** Per decision, per choice: this epoch's running gradient norm (0: no value yet). */
  private running: Map<string, number[]>;
  /** Per decision: the distribution of this epoch's draws. */
  private dist: Map<string, number[]>;
  /** Progress at this epoch's first draw (τ of its closing update); null before it. */
  private epochStart: number | null = null;

  constructor(
    private readonly s: SamplerSpace,
    private readonly rng: Rng,
  ) {
    this.running = new Map(s.decisions.all.map((d) => [d.name, d.choices.map(() => 0)]));
    this.dist = new Map(s.decisions.all.map((d) => [d.name, uniformOver(d.choices.length)]));
  }

  sample(progress: number): SampledSubnet[] {
    this.epochStart ??= progress;
    const arch = buildArch(
      this.s.decisions,
      (d) => d.choices[this.rng.weighted(this.dist.get(d.name) as number[])],
    );
    return [this.s.subnet('random', arch)];
  }

  observe(feedback: PathFeedback[]): void {
    for (const f of feedback) this.attribute(f);
  }

  private attribute(f: PathFeedback): void {
    const dec = this.s.decisions;
    const norms = f.tensorNormSums;
    this.update(dec.resolution, f.arch, norms.total);
    dec.stages.forEach((s, i) => {
      if (i >= f.arch.stages.length) return;
      this.update(s.depth, f.arch, norms.stages[i]);
      this.update(s.width, f.arch, norms.stages[i]);
      for (let j = 0; j < f.arch.stages[i].depth && j < s.blocks.length; j++) {
        this.update(s.blocks[j].kernel, f.arch, norms.blocks[i]?.[j]);
        this.update(s.blocks[j].expand, f.arch, norms.blocks[i]?.[j]);
      }
    });
  }

  private update(d: Decision, arch: Arch, norm: number | undefined): void {
    // The code skips a zero value; a NaN or missing one would poison the epoch's estimate.
    if (norm === undefined || !Number.isFinite(norm) || norm <= 0) return;
    const i = d.choices.indexOf(valueOf(arch, d) as number);
    if (i < 0)
      throw new Error(
        `Feedback for a subnet outside the space: ${d.name} = ${String(valueOf(arch, d))}`,
      );
    const g = this.running.get(d.name) as number[];
    g[i] = (g[i] + norm) / 2;
  }

  epochEnd(): void {
    if (this.epochStart === null) return;
    const tau = Math.min(1, Math.max(0, this.epochStart));
    for (const d of this.s.decisions.all) {
      const g = this.running.get(d.name) as number[];
      this.dist.set(d.name, padaDistribution(g, tau, this.dist.get(d.name) as number[]));
      this.running.set(
        d.name,
        g.map(() => 0),
      );
    }
    this.epochStart = null;
  }

  probabilities(): Record<string, number[]> {
    return Object.fromEntries(
      this.s.decisions.all.map((d) => [d.name, [...this.dist.get(d.name)!]]),
    );
  }

  state(): unknown {
    return {
      type: 'pada',
      epochStart: this.epochStart,
      running: Object.fromEntries(this.running),
      distributions: Object.fromEntries(this.dist),
    };
  }

  restore(state: unknown): void {
    const r = stateRecord(state, 'pada');
    const start = r.epochStart;
    if (start !== null && (typeof start !== 'number' || !(start >= 0 && start <= 1)))
      throw new Error("Sampler state: 'epochStart' must be a progress (0–1) or null");
    const running = this.perDecision(r.running, 'running', (g) => g.every((x) => x >= 0));
    const dist = this.perDecision(
      r.distributions,
      'distributions',
      (p) => p.every((x) => x >= 0) && Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9,
    );
    this.running = running;
    this.dist = dist;
    this.epochStart = start;
  }

  /** `raw` as one list of finite numbers per decision, one per choice, each passing `ok`. */
  private perDecision(
    raw: unknown,
    key: string,
    ok: (xs: number[]) => boolean,
  ): Map<string, number[]> {
    const rec = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const out = new Map<string, number[]>();
    for (const d of this.s.decisions.all) {
      const v = rec[d.name];
      const valid =
        Array.isArray(v) &&
        v.length === d.choices.length &&
        v.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
        ok(v as number[]);
      if (!valid)
        throw new Error(
          `Sampler state: no valid '${key}' for '${d.name}' (a checkpoint of another space?)`,
        );
      out.set(d.name, [...(v as number[])]);
    }
    return out;
  }
}

const uniformOver = (k: number): number[] => new Array<number>(k).fill(1 / k);

/**
 * The distribution after an epoch whose running norms were `g`: τ·g/Σg + (1 − τ)·uniform.
 * With nothing observed (Σg = 0) the code would divide by zero; here `previous` stays.
 */
export function padaDistribution(
  g: readonly number[],
  tau: number,
  previous: readonly number[],
): number[] {
  const total = g.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return [...previous];
  return g.map((x) => (tau * x) / total + (1 - tau) / g.length);
}
