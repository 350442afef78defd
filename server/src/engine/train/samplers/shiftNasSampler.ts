import type { Rng } from '#shared/rng';
import { climbToward, REJECTION_TRIES, type FlopsCandidate } from './flopsClimb';
import { randomArchOf } from '../../../space/randomArch';
import { sampledSlots, type SamplerSpace } from './samplerSpace';
import { stateArray, stateNumber, stateRecord } from './samplerState';
import type { PathFeedback, Sampler, SampledSubnet } from './samplerTypes';

/**
 * Probability shift, after ShiftNAS (Zhang, Yu, Zhao, Ou, ICCV 2023, "ShiftNAS: Improving
 * One-shot NAS via Probability Shift"). Only part of the method could be established, and
 * this is that part with the rest guessed; each rule below says where it comes from.
 *
 * Sources. The paper's text was not reachable here beyond its abstract and the caption of
 * its Figure 1; its repository (github.com/bestfleer/ShiftNAS) holds a README saying the
 * code is "coming soon" and nothing else (read at commit 4fc0596). A third-party summary of
 * the paper (an unsigned, machine-written digest, not checked against the paper) adds the
 * details marked "[summary]" below. Everything marked "[guess]" is this engine's.
 *
 * What the paper says (abstract, Figure 1): uniform sampling of subnets concentrates
 * training on subnets of intermediate complexity; ShiftNAS splits the space into parts of
 * close computational complexity (e.g. FLOPs), draws a complexity from a probability
 * distribution over the parts, then an architecture generator provides a subnet of that
 * complexity; the distribution is updated during training "by estimating the performance
 * variation of each sub-space", and the distribution and the generator are trained end to
 * end by gradient.
 *
 * What this sampler does:
 *   - Parts: `shiftBins` parts of equal width of [minFlops, maxFlops]; a subnet's part is
 *     that of its analytic FLOPs. [summary: parts of 0.1 GFLOPs; here a count, since the
 *     spaces here span far less than a GFLOP]
 *   - Sampling: per sampled slot, a part k ~ p = softmax(θ), then a subnet whose FLOPs lie
 *     in part k: the first of up to REJECTION_TRIES uniformly random subnets that does, else
 *     a hill climb (flopsClimb.ts) from the closest toward the part's centre. [guess: the
 *     paper's generator is an LSTM trained with the task loss and a resource loss, so it
 *     learns which subnet of a complexity to provide (summary); here the subnets of a part
 *     are drawn at random, which is what a supernet searched afterwards needs, and a part no
 *     subnet falls into yields the nearest subnet found.] With distillation and 2+ subnets
 *     the largest comes first as the teacher, as in the engine's other samplers. [guess]
 *   - Initial distribution: θ = 0, uniform over the parts; it stays so until progress
 *     `shiftStart`. [summary: the first 50 epochs train only the supernet and the generator;
 *     the fraction is a guess]
 *   - The signal: a part's need for training is the mean ‖∇‖₂ of the weights its sampled
 *     subnets used, over the steps since the last update (the teacher's excluded: it
 *     learns from the labels, the others from it). [summary: training sufficiency is the
 *     gradient of the validation loss, a gradient near zero meaning converged; here the
 *     gradient of the training step, measured anyway, instead of an extra validation pass]
 *   - The update: every `shiftEvery` steps, one step of gradient ascent on the logits:
 *     θ_k += shiftRate · p_k · (g_k − ḡ)/ḡ, where g_k is part k's mean norm and
 *     ḡ = Σ p_j g_j / Σ p_j over the parts seen in the window; a part not seen counts as ḡ
 *     and does not move. That is the exact gradient of E_p[g]/ḡ (ḡ held fixed), so
 *     probability flows toward the parts whose subnets still have large gradients and away
 *     from the converged ones, and as a part trains more its gradients fall and it stops
 *     gaining. [guess: the summary gives the paper's objective as the expected validation
 *     gradient minimised over the distribution, with Gumbel-softmax sampling, a
 *     finite-difference approximation of the second-order term and Adam (lr 1e-3) every 100
 *     iterations; that bilevel update is not reproduced: `shiftEvery` defaults to its 100,
 *     the direction follows its reading of a large gradient as too little training, and the
 *     rule, the rate and the normalisation by ḡ are this engine's]
 *   - Known bias: a larger subnet uses more weights, so its gradient norm tends to be
 *     larger; distillation works against it (a large student matches the teacher sooner).
 *
 * Its resolution is part of the drawn subnet's complexity, so it keeps its own even with
 * `resolution: per-step` (samplers.ts), as pada does.
 */
export class ShiftNasSampler implements Sampler {
  /** θ: the distribution over the parts is softmax(θ). */
  private logits: number[];
  /** Per part, Σ‖∇‖₂ and the count of sampled subnets since the last update. */
  private sums: number[];
  private counts: number[];
  /** Steps observed since the last update. */
  private steps = 0;

  constructor(
    private readonly s: SamplerSpace,
    private readonly rng: Rng,
  ) {
    const k = s.train.sampler.shiftBins;
    this.logits = new Array<number>(k).fill(0);
    this.sums = new Array<number>(k).fill(0);
    this.counts = new Array<number>(k).fill(0);
  }

  private get bins(): number {
    return this.logits.length;
  }

  /** The part of a subnet of `flops` FLOPs: 0 … bins − 1, the largest FLOPs in the last. */
  binOf(flops: number): number {
    const { minFlops: min, maxFlops: max } = this.s;
    if (!(max > min)) return 0;
    return Math.min(
      this.bins - 1,
      Math.max(0, Math.floor(((flops - min) / (max - min)) * this.bins)),
    );
  }

  sample(): SampledSubnet[] {
    const { teacher, sampled } = sampledSlots(this.s.train);
    const p = softmax(this.logits);
    const out: SampledSubnet[] = [];
    for (let i = 0; i < sampled; i++) {
      const c = this.draw(this.rng.weighted(p));
      out.push(this.s.subnet('random', c.arch));
    }
    return teacher ? [this.s.subnet('largest', this.s.largest), ...out] : out;
  }

  /** A subnet whose FLOPs lie in part `k`, or the nearest found when none does. */
  private draw(k: number): FlopsCandidate {
    const { minFlops: min, maxFlops: max } = this.s;
    const centre = min + ((k + 0.5) / this.bins) * (max - min);
    const inPart = (f: number): boolean => this.binOf(f) === k;
    let best: FlopsCandidate | undefined;
    for (let t = 0; t < REJECTION_TRIES; t++) {
      const arch = randomArchOf(this.s.decisions, this.rng);
      const flops = this.s.flops(arch);
      if (inPart(flops)) return { arch, flops };
      if (!best || Math.abs(flops - centre) < Math.abs(best.flops - centre)) best = { arch, flops };
    }
    return climbToward(this.s, this.rng, best!, min, max, centre, inPart);
  }

  observe(feedback: PathFeedback[], progress: number): void {
    if (progress < this.s.train.sampler.shiftStart) return;
    const skip = sampledSlots(this.s.train).teacher && feedback.length > 1 ? 1 : 0;
    for (const f of feedback.slice(skip)) {
      const norm = f.totalGradNorm;
      if (!Number.isFinite(norm) || norm < 0) continue;
      const k = this.binOf(this.s.flops(f.arch));
      this.sums[k] += norm;
      this.counts[k]++;
    }
    if (++this.steps < this.s.train.sampler.shiftEvery) return;
    this.logits = shiftedLogits(
      this.logits,
      this.sums,
      this.counts,
      this.s.train.sampler.shiftRate,
    );
    this.sums.fill(0);
    this.counts.fill(0);
    this.steps = 0;
  }

  epochEnd(): void {}

  probabilities(): Record<string, number[]> {
    return { flopsBin: softmax(this.logits) };
  }

  state(): unknown {
    return {
      type: 'shiftnas',
      logits: [...this.logits],
      sums: [...this.sums],
      counts: [...this.counts],
      steps: this.steps,
    };
  }

  restore(state: unknown): void {
    const r = stateRecord(state, 'shiftnas');
    const list = (key: string, ok: (x: number) => boolean): number[] => {
      const v = stateArray(r, key);
      if (v.length !== this.bins || !v.every((x) => typeof x === 'number' && ok(x)))
        throw new Error(
          `Sampler state: '${key}' must be ${this.bins} numbers (one per FLOPs part of shiftBins)`,
        );
      return v as number[];
    };
    const logits = list('logits', Number.isFinite);
    const sums = list('sums', (x) => Number.isFinite(x) && x >= 0);
    const counts = list('counts', (x) => Number.isSafeInteger(x) && x >= 0);
    const steps = stateNumber(r, 'steps');
    if (!Number.isSafeInteger(steps) || steps < 0 || steps >= this.s.train.sampler.shiftEvery)
      throw new Error("Sampler state: 'steps' must be a whole number below shiftEvery");
    this.logits = [...logits];
    this.sums = [...sums];
    this.counts = [...counts];
    this.steps = steps;
  }
}

export function softmax(logits: readonly number[]): number[] {
  const top = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / total);
}

/**
 * The logits after one update from a window's per-part sums and counts of gradient norms:
 * θ_k + rate · p_k · (g_k − ḡ)/ḡ for the parts seen (g_k = sum/count), with p = softmax(θ)
 * and ḡ = Σ p_k g_k / Σ p_k over them; unchanged for the parts not seen, and altogether when
 * none was seen or every norm was 0.
 */
export function shiftedLogits(
  logits: readonly number[],
  sums: readonly number[],
  counts: readonly number[],
  rate: number,
): number[] {
  const p = softmax(logits);
  let weight = 0;
  let weighted = 0;
  counts.forEach((c, k) => {
    if (c > 0) {
      weight += p[k];
      weighted += (p[k] * sums[k]) / c;
    }
  });
  const mean = weight > 0 ? weighted / weight : 0;
  if (!(mean > 0)) return [...logits];
  return logits.map((x, k) =>
    counts[k] > 0 ? x + (rate * p[k] * (sums[k] / counts[k] - mean)) / mean : x,
  );
}
