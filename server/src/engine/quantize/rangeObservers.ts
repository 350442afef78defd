import type { CalibrationMethod } from '#shared/protocol/engine';
import type { ActivationRange } from './qdqGraph';

/**
 * How a tensor's quantisation range is chosen from the values it took over the calibration
 * images (CalibrationMethod): `minmax` takes their whole range; `percentile` clips the
 * 1 − PERCENTILE tails at both ends (from a histogram of HISTOGRAM_BINS bins over the whole
 * range), so that a few outliers do not spread 256 levels over values that almost never
 * occur.
 */
export const DEFAULT_CALIBRATION: CalibrationMethod = 'percentile';

/** The share of values the percentile range keeps below its top (and above its bottom). */
export const PERCENTILE = 0.9999;
/** Bins of the percentile histogram over a tensor's whole range. */
export const HISTOGRAM_BINS = 2048;

/** Widens `range` (or starts one) to hold every value; NaNs are refused. */
export function observeMinMax(
  values: ArrayLike<number>,
  range: ActivationRange | undefined,
): ActivationRange {
  let min = range?.min ?? Number.POSITIVE_INFINITY;
  let max = range?.max ?? Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (Number.isNaN(v)) throw new Error('A calibration activation is NaN');
  }
  return { min, max };
}

/** Counts of values in equal bins over a fixed range (the tensor's min–max range). */
export class Histogram {
  readonly counts: Float64Array;
  private total = 0;

  constructor(
    readonly range: ActivationRange,
    readonly bins = HISTOGRAM_BINS,
  ) {
    this.counts = new Float64Array(bins);
  }

  add(values: ArrayLike<number>): void {
    const { min, max } = this.range;
    const width = (max - min) / this.bins;
    for (let i = 0; i < values.length; i++) {
      const b = width > 0 ? Math.floor((values[i] - min) / width) : 0;
      this.counts[Math.min(this.bins - 1, Math.max(0, b))]++;
    }
    this.total += values.length;
  }

  /**
   * The range holding the central `p` share at each end: its bottom is the lower edge of
   * the bin where the count from below first exceeds (1 − p)·total, its top the upper edge of
   * the bin where the count from below first reaches p·total.
   */
  quantileRange(p = PERCENTILE): ActivationRange {
    const { min, max } = this.range;
    if (this.total === 0 || !(max > min)) return { min, max };
    const width = (max - min) / this.bins;
    const below = (1 - p) * this.total;
    const upTo = p * this.total;
    let lo = 0;
    let hi = this.bins - 1;
    let sum = 0;
    let foundLo = false;
    for (let b = 0; b < this.bins; b++) {
      sum += this.counts[b];
      if (!foundLo && sum > below) {
        lo = b;
        foundLo = true;
      }
      if (sum >= upTo) {
        hi = b;
        break;
      }
    }
    return { min: min + lo * width, max: b2top(min, width, hi, max, this.bins) };
  }
}

/** The upper edge of bin `b`, exactly `max` for the last bin. */
const b2top = (min: number, width: number, b: number, max: number, bins: number): number =>
  b === bins - 1 ? max : min + (b + 1) * width;
