import type { Rng } from '#shared/rng';

/**
 * Variation for real-valued genomes within box bounds, as in Deb's NSGA-II reference
 * code: simulated binary crossover (SBX, Deb & Agrawal 1995) in its bounded form, and
 * polynomial mutation (Deb & Goyal 1996) in its bounded form. The bounded forms
 * shape the spread so children stay inside [lower, upper] without piling up on the
 * bounds by clipping. Larger distribution indices η keep children closer to parents.
 */

/** Per variable, the probability that SBX recombines it (else the parents' values pass through). */
export const SBX_VARIABLE_PROBABILITY = 0.5;

export function sbx(
  a: readonly number[],
  b: readonly number[],
  lower: readonly number[],
  upper: readonly number[],
  eta: number,
  rng: Rng,
): [number[], number[]] {
  const c = [...a];
  const d = [...b];
  for (let i = 0; i < a.length; i++) {
    if (rng.next() > SBX_VARIABLE_PROBABILITY) continue;
    // Identical values have no spread to scale; the reference code skips them too.
    if (Math.abs(a[i] - b[i]) <= 1e-14) continue;
    const y1 = Math.min(a[i], b[i]);
    const y2 = Math.max(a[i], b[i]);
    const lo = lower[i];
    const hi = upper[i];
    const u = rng.next();
    const c1 = 0.5 * (y1 + y2 - spread(1 + (2 * (y1 - lo)) / (y2 - y1), eta, u) * (y2 - y1));
    const c2 = 0.5 * (y1 + y2 + spread(1 + (2 * (hi - y2)) / (y2 - y1), eta, u) * (y2 - y1));
    const [x1, x2] = [clamp(c1, lo, hi), clamp(c2, lo, hi)];
    if (rng.next() < 0.5) {
      c[i] = x2;
      d[i] = x1;
    } else {
      c[i] = x1;
      d[i] = x2;
    }
  }
  return [c, d];
}

/** SBX's spread factor β_q for uniform `u`, with the distribution cut at the bound that `beta` measures. */
function spread(beta: number, eta: number, u: number): number {
  const alpha = 2 - Math.pow(beta, -(eta + 1));
  return u <= 1 / alpha
    ? Math.pow(u * alpha, 1 / (eta + 1))
    : Math.pow(1 / (2 - u * alpha), 1 / (eta + 1));
}

export function polynomialMutation(
  x: readonly number[],
  lower: readonly number[],
  upper: readonly number[],
  eta: number,
  rate: number,
  rng: Rng,
): number[] {
  const y = [...x];
  for (let i = 0; i < x.length; i++) {
    if (rng.next() >= rate) continue;
    const lo = lower[i];
    const hi = upper[i];
    const range = hi - lo;
    if (!(range > 0)) continue;
    const u = rng.next();
    const power = 1 / (eta + 1);
    let delta: number;
    if (u < 0.5) {
      const xy = 1 - (y[i] - lo) / range;
      delta = Math.pow(2 * u + (1 - 2 * u) * Math.pow(xy, eta + 1), power) - 1;
    } else {
      const xy = 1 - (hi - y[i]) / range;
      delta = 1 - Math.pow(2 * (1 - u) + 2 * (u - 0.5) * Math.pow(xy, eta + 1), power);
    }
    y[i] = clamp(y[i] + delta * range, lo, hi);
  }
  return y;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
