import type { Rng } from '#shared/rng';
import {
  int,
  nullableNum,
  nullableStr,
  obj,
  oneOf,
  optional,
  type Infer,
} from '#shared/schema/dsl';

const whole = (doc: string) => int(doc, { minimum: 0 });

export type BatchMode = 'shuffle' | 'importance' | 'pada';

export interface BatchSamplerOptions {
  /** importance: final weight of the importance distribution against uniform (config `importanceWeight`). Default 0.5. */
  importanceWeight?: number;
  /**
   * importance: momentum of each sample's weight. Default 0: a new observation
   * replaces the weight, since a sample is seen about once per epoch and an older
   * value describes a model that no longer exists.
   */
  momentum?: number;
  /** pada: weight each image's loss by 1/(n·p) of the epoch's distribution (config `padaReweight`). Default false. */
  reweight?: boolean;
}

export interface Batch {
  /** Indices into the training split, `batchSize` of them. */
  indices: Int32Array;
  /**
   * Per-image loss weights 1/(n·pᵢ): the batch mean of weightᵢ·lossᵢ is an unbiased
   * estimate of the mean loss over the split however the images were drawn. All 1
   * for `shuffle`. Not normalised per batch, since that would bias the estimate; it
   * need not be, as the uniform share of the mixture bounds every weight by
   * 1/(1 − λ) and their expectation is exactly 1, so the loss keeps its scale.
   */
  weights: Float32Array;
}

/** Where the batch sampler is, in a checkpoint: enough to draw the same batches after a resume. */
export const batchSamplerStateSchema = obj("The batch sampler's state.", {
  mode: oneOf('How batches are drawn.', {
    shuffle: 'A permutation per epoch.',
    importance: 'By per-image weights.',
    pada: "PA&DA's per-epoch distribution from gradient norms.",
  } satisfies Record<BatchMode, string>),
  n: whole('Images in the training split.'),
  step: whole('Batches drawn so far.'),
  epoch: whole('The epoch.'),
  position: whole("shuffle, pada: position in the epoch's list."),
  permutation: nullableStr(
    "shuffle: the epoch's permutation; pada: the epoch's draws (a permutation in epoch 0). Base64 of an Int32Array (little-endian); null before the first batch.",
  ),
  weights: nullableStr(
    'importance: per-image weights; pada: the norms seen this epoch. Base64 of a Float32Array (little-endian).',
  ),
  distribution: optional(
    nullableStr(
      "pada: the epoch's draw probabilities, base64 of a Float32Array (absent in older checkpoints).",
    ),
  ),
  epochStart: optional(
    nullableNum(
      "pada: progress at the epoch's first batch, τ of its closing update (absent in older checkpoints).",
      { minimum: 0, maximum: 1 },
    ),
  ),
});
export type BatchSamplerState = Infer<typeof batchSamplerStateSchema>;

/**
 * Batches of training indices, drawing only from the Rng it is given.
 *
 * `shuffle`: every epoch is a fresh seeded permutation, cut into batches of exactly
 * `batchSize`; the last `n mod batchSize` indices of each permutation are dropped
 * (the permutation differs per epoch, so no image is left out for good, and every
 * batch has the shape the compiled step expects). `stepsPerEpoch` = ⌊n / batchSize⌋.
 *
 * `importance` (the `importance` sampler's simplified PA&DA data sampling; the published
 * one is `pada`): image i has a weight wᵢ (initially 1), set by
 * `observe` to ‖softmax(zᵢ) − onehot(yᵢ)‖₂, the norm of the loss gradient with
 * respect to the logits, a cheap proxy for the image's gradient norm. Images are
 * drawn with replacement with pᵢ = (1 − λ)/n + λ·wᵢ/Σw, λ growing linearly from 0
 * to `importanceWeight` with progress: with probability 1 − λ uniformly, else by
 * binary search in the cumulative weights (rebuilt only after an `observe`).
 *
 * `pada` (PA&DA as published): one distribution per epoch, from the norms of the epoch
 * before; see nextPada.
 */
export class BatchSampler {
  readonly stepsPerEpoch: number;
  private step = 0;
  private epochIndex = 0;
  private position = 0;
  private permutation: Int32Array | undefined;
  private readonly weights: Float32Array;
  private cumulative: Float64Array | undefined;
  private readonly importanceWeight: number;
  private readonly momentum: number;
  /** pada: the epoch's probability of each image; undefined in epoch 0 (a permutation). */
  private distribution: Float32Array | undefined;
  private epochStart: number | null = null;
  private readonly reweight: boolean;

  constructor(
    readonly n: number,
    readonly batchSize: number,
    private readonly rng: Rng,
    readonly mode: BatchMode,
    opts: BatchSamplerOptions = {},
  ) {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`BatchSampler: n must be a positive integer, got ${n}`);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n) {
      throw new RangeError(
        `BatchSampler: batch size ${batchSize} must be between 1 and the ${n} training images`,
      );
    }
    this.stepsPerEpoch = Math.floor(n / batchSize);
    this.importanceWeight = opts.importanceWeight ?? 0.5;
    this.momentum = opts.momentum ?? 0;
    this.reweight = opts.reweight ?? false;
    this.weights = new Float32Array(mode === 'shuffle' ? 0 : n).fill(mode === 'importance' ? 1 : 0);
  }

  /** Epochs completed (importance: images drawn / n, whole epochs). */
  get epoch(): number {
    return this.mode === 'importance'
      ? Math.floor((this.step * this.batchSize) / this.n)
      : this.epochIndex;
  }

  /** The next batch; `progress` in [0, 1] sets λ of importance sampling and τ of pada. */
  next(progress = 0): Batch {
    this.step++;
    switch (this.mode) {
      case 'shuffle':
        return this.nextShuffled();
      case 'importance':
        return this.nextImportant(progress);
      case 'pada':
        return this.nextPada(progress);
    }
  }

  private nextShuffled(): Batch {
    if (!this.permutation || this.position + this.batchSize > this.n) {
      if (this.permutation) this.epochIndex++;
      this.permutation = this.shuffled();
      this.position = 0;
    }
    return { indices: this.take(), weights: new Float32Array(this.batchSize).fill(1) };
  }

  private shuffled(): Int32Array {
    const p = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) p[i] = i;
    return this.rng.shuffle(p) as Int32Array;
  }

  /** The next `batchSize` indices of the epoch's list. */
  private take(): Int32Array {
    const indices = (this.permutation as Int32Array).slice(
      this.position,
      this.position + this.batchSize,
    );
    this.position += this.batchSize;
    return indices;
  }

  /**
   * PA&DA's data sampling (see padaSampler.ts for the method and its code): epoch 0 is a
   * permutation; when an epoch ends, the norms gᵢ it saw (0 for an image it did not draw)
   * give pᵢ = τ·gᵢ/Σg + (1 − τ)/n, τ the progress at the ended epoch's first batch, and the
   * next epoch is n draws from p with replacement, in draw order, cut into full batches
   * (the last n mod batchSize draws are not trained). The norms then start again from 0.
   * Batch weights are 1/(n·pᵢ) with `reweight`, else 1, as in the paper's code.
   */
  private nextPada(progress: number): Batch {
    if (!this.permutation || this.position + this.batchSize > this.n) {
      if (this.permutation) {
        this.epochIndex++;
        this.drawEpoch(Math.min(1, Math.max(0, this.epochStart ?? 0)));
      } else {
        this.permutation = this.shuffled();
      }
      this.position = 0;
      this.epochStart = progress;
    }
    const indices = this.take();
    const weights = new Float32Array(this.batchSize).fill(1);
    const p = this.distribution;
    if (this.reweight && p)
      for (let b = 0; b < indices.length; b++) weights[b] = 1 / (this.n * p[indices[b]]);
    return { indices, weights };
  }

  private drawEpoch(tau: number): void {
    const cum = this.cumulativeWeights();
    const total = cum[this.n - 1];
    // Without a single positive norm only the uniform part is left.
    const t = total > 0 ? tau : 0;
    const p = new Float32Array(this.n);
    for (let i = 0; i < this.n; i++)
      p[i] = total > 0 ? (t * this.weights[i]) / total + (1 - t) / this.n : 1 / this.n;
    const draws = new Int32Array(this.n);
    for (let k = 0; k < this.n; k++) {
      draws[k] =
        this.rng.next() < t ? upperBound(cum, this.rng.next() * total) : this.rng.int(this.n);
    }
    this.permutation = draws;
    this.distribution = p;
    this.weights.fill(0);
    this.cumulative = undefined;
  }

  private nextImportant(progress: number): Batch {
    const lambda = this.lambda(progress);
    const cum = this.cumulativeWeights();
    const total = cum[this.n - 1];
    const indices = new Int32Array(this.batchSize);
    const weights = new Float32Array(this.batchSize);
    for (let b = 0; b < this.batchSize; b++) {
      // With every weight 0 only the uniform part is left to draw from.
      const i =
        this.rng.next() < lambda && total > 0
          ? upperBound(cum, this.rng.next() * total)
          : this.rng.int(this.n);
      indices[b] = i;
      weights[b] = 1 / (this.n * this.probabilityOf(i, lambda, total));
    }
    return { indices, weights };
  }

  private lambda(progress: number): number {
    return this.importanceWeight * Math.min(1, Math.max(0, progress));
  }

  private probabilityOf(i: number, lambda: number, total: number): number {
    return total > 0 ? (1 - lambda) / this.n + (lambda * this.weights[i]) / total : 1 / this.n;
  }

  /** Probability of drawing image i at `progress` (importance; pada: this epoch's; 1/n for shuffle). */
  probability(i: number, progress: number): number {
    if (this.mode === 'shuffle') return 1 / this.n;
    if (this.mode === 'pada') return this.distribution ? this.distribution[i] : 1 / this.n;
    const cum = this.cumulativeWeights();
    return this.probabilityOf(i, this.lambda(progress), cum[this.n - 1]);
  }

  private cumulativeWeights(): Float64Array {
    if (!this.cumulative) {
      // Float64: summing 60 000 float32 weights in float32 would lose the small ones.
      const c = new Float64Array(this.n);
      let s = 0;
      for (let i = 0; i < this.n; i++) c[i] = s += this.weights[i];
      this.cumulative = c;
    }
    return this.cumulative;
  }

  /**
   * Reports ‖softmax(zᵢ) − onehot(yᵢ)‖₂ of the images of a batch (ignored for shuffle).
   * importance: a repeated index takes its last value (with the default momentum 0);
   * pada: an image's first value of the epoch, then the mean of it and each repeat.
   */
  observe(indices: ArrayLike<number>, values: ArrayLike<number>): void {
    if (this.mode === 'shuffle') return;
    if (indices.length !== values.length)
      throw new Error('BatchSampler.observe: one value per index');
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      const v = values[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.n)
        throw new RangeError(`BatchSampler.observe: index ${i} out of range`);
      if (!Number.isFinite(v) || v < 0) continue;
      const w = this.weights[i];
      if (this.mode === 'pada') this.weights[i] = w !== 0 ? (w + v) / 2 : v;
      else this.weights[i] = this.momentum * w + (1 - this.momentum) * v;
    }
    this.cumulative = undefined;
  }

  state(): BatchSamplerState {
    return {
      mode: this.mode,
      n: this.n,
      step: this.step,
      epoch: this.epochIndex,
      position: this.position,
      permutation: this.permutation ? toBase64(this.permutation) : null,
      weights: this.mode === 'shuffle' ? null : toBase64(this.weights),
      distribution: this.distribution ? toBase64(this.distribution) : null,
      epochStart: this.epochStart,
    };
  }

  restore(state: BatchSamplerState): void {
    if (state.mode !== this.mode || state.n !== this.n) {
      throw new Error(
        `BatchSampler state is for ${state.mode} over ${state.n} images, not ${this.mode} over ${this.n}`,
      );
    }
    this.step = state.step;
    this.epochIndex = state.epoch;
    this.position = state.position;
    this.permutation =
      state.permutation === null
        ? undefined
        : new Int32Array(fromBase64(state.permutation, this.n * 4));
    if (state.weights !== null)
      this.weights.set(new Float32Array(fromBase64(state.weights, this.n * 4)));
    const p = state.distribution ?? null;
    this.distribution = p === null ? undefined : new Float32Array(fromBase64(p, this.n * 4));
    this.epochStart = state.epochStart ?? null;
    this.cumulative = undefined;
  }
}

/** First index whose cumulative sum exceeds r: image i covers [cum[i−1], cum[i]). */
function upperBound(cum: Float64Array, r: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid] > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function toBase64(a: Int32Array | Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromBase64(s: string, bytes: number): ArrayBuffer {
  const b = Buffer.from(s, 'base64');
  if (b.byteLength !== bytes)
    throw new Error(`BatchSampler state: expected ${bytes} bytes, got ${b.byteLength}`);
  // Copy into a fresh, aligned buffer: a Buffer may be a view into a shared pool.
  const out = new ArrayBuffer(bytes);
  new Uint8Array(out).set(b);
  return out;
}
