import type { Rng } from '../rng';

export type BatchMode = 'shuffle' | 'importance';

export interface BatchSamplerOptions {
  /** importance: final weight of the importance distribution against uniform (config `importanceWeight`). Default 0.5. */
  importanceWeight?: number;
  /**
   * importance: momentum of each sample's weight. Default 0: a new observation
   * replaces the weight, since a sample is seen about once per epoch and an older
   * value describes a model that no longer exists.
   */
  momentum?: number;
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

export interface BatchSamplerState {
  mode: BatchMode;
  n: number;
  /** Batches drawn so far. */
  step: number;
  epoch: number;
  /** shuffle: position in the epoch's permutation. */
  position: number;
  /** shuffle: the epoch's permutation, base64 of an Int32Array (little-endian); null before the first batch. */
  permutation: string | null;
  /** importance: per-image weights, base64 of a Float32Array (little-endian). */
  weights: string | null;
}

/**
 * Batches of training indices, drawing only from the Rng it is given.
 *
 * `shuffle`: every epoch is a fresh seeded permutation, cut into batches of exactly
 * `batchSize`; the last `n mod batchSize` indices of each permutation are dropped
 * (the permutation differs per epoch, so no image is left out for good, and every
 * batch has the shape the compiled step expects). `stepsPerEpoch` = ⌊n / batchSize⌋.
 *
 * `importance` (PA&DA data sampling): image i has a weight wᵢ (initially 1), set by
 * `observe` to ‖softmax(zᵢ) − onehot(yᵢ)‖₂, the norm of the loss gradient with
 * respect to the logits, a cheap proxy for the image's gradient norm. Images are
 * drawn with replacement with pᵢ = (1 − λ)/n + λ·wᵢ/Σw, λ growing linearly from 0
 * to `importanceWeight` with progress: with probability 1 − λ uniformly, else by
 * binary search in the cumulative weights (rebuilt only after an `observe`).
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
    this.weights = new Float32Array(mode === 'importance' ? n : 0).fill(1);
  }

  /** Epochs completed (importance: images drawn / n, whole epochs). */
  get epoch(): number {
    return this.mode === 'shuffle'
      ? this.epochIndex
      : Math.floor((this.step * this.batchSize) / this.n);
  }

  /** The next batch; `progress` in [0, 1] sets λ of importance sampling. */
  next(progress = 0): Batch {
    this.step++;
    return this.mode === 'shuffle' ? this.nextShuffled() : this.nextImportant(progress);
  }

  private nextShuffled(): Batch {
    if (!this.permutation || this.position + this.batchSize > this.n) {
      if (this.permutation) this.epochIndex++;
      const p = new Int32Array(this.n);
      for (let i = 0; i < this.n; i++) p[i] = i;
      this.permutation = this.rng.shuffle(p) as Int32Array;
      this.position = 0;
    }
    const indices = this.permutation.slice(this.position, this.position + this.batchSize);
    this.position += this.batchSize;
    return { indices, weights: new Float32Array(this.batchSize).fill(1) };
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

  /** Probability of drawing image i at `progress` (importance; 1/n for shuffle). */
  probability(i: number, progress: number): number {
    if (this.mode === 'shuffle') return 1 / this.n;
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
   * Reports ‖softmax(zᵢ) − onehot(yᵢ)‖₂ of the images of a batch (importance mode;
   * ignored for shuffle). A repeated index takes its last value.
   */
  observe(indices: ArrayLike<number>, values: ArrayLike<number>): void {
    if (this.mode !== 'importance') return;
    if (indices.length !== values.length)
      throw new Error('BatchSampler.observe: one value per index');
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      const v = values[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.n)
        throw new RangeError(`BatchSampler.observe: index ${i} out of range`);
      if (!Number.isFinite(v) || v < 0) continue;
      this.weights[i] = this.momentum * this.weights[i] + (1 - this.momentum) * v;
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
      weights: this.mode === 'importance' ? toBase64(this.weights) : null,
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
