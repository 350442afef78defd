import { spearmanBrownCeiling } from '#shared/ranking';
import { Rng } from '#shared/rng';
import { kendallTauB } from '../search/rankCorrelation';

/**
 * The noise ceiling of a ranking check whose ground truth is the *mean* of each subnet's
 * stand-alone seeds: the τ a perfect predictor (one that knows every subnet's expected
 * accuracy) reaches against that mean, which still carries seed noise. τ between two
 * single seeds is a different, lower quantity (two noisy copies, not the truth against one
 * noisy copy of itself), and no claim should be read against it.
 *
 * Two estimates, which agree where both apply (test/unit/engine/ranking/truthCeiling.test.ts):
 * - `spearmanBrownCeiling`, closed form for S seeds per subnet: Greiner's relation turns the
 *   seed-vs-seed τ into a Pearson reliability r = sin(πτ/2) (exact for normal scores),
 *   Spearman–Brown gives the reliability of a mean of S, r_S = S·r / (1 + (S − 1)·r), the
 *   correlation of the truth with the mean is √r_S, and back: τ = (2/π)·asin(√r_S).
 * - `simulatedCeiling`, from the table itself, for any number of seeds per subnet: the seed
 *   variance σ² is pooled from the subnets trained more than once, the spread of the true
 *   accuracies is the spread of the means less the noise they carry, and the ceiling is the
 *   mean τ between the means (shrunk to that spread) and draws of them plus their noise.
 */

export { spearmanBrownCeiling };

export interface SimulatedCeiling {
  ceiling: number;
  /** The 5% and 95% quantiles of τ over the simulated truths. */
  spread: [number, number];
  /** SD of one training's accuracy (pooled over subnets with several seeds). */
  seedSd: number;
  /** SD of the subnets' true accuracies (the means' spread less their noise). */
  trueSd: number;
}

/**
 * `runs[i]` holds subnet i's stand-alone accuracies, one per seed that trained it (at least
 * one each; the ceiling needs some subnets with two or more). Seeded and deterministic.
 */
export function simulatedCeiling(
  runs: readonly (readonly number[])[],
  options: { draws?: number; seed?: number } = {},
): SimulatedCeiling {
  const means = runs.map((r) => r.reduce((a, b) => a + b, 0) / r.length);
  let ss = 0;
  let dof = 0;
  runs.forEach((r, i) => {
    for (const v of r) ss += (v - means[i]) ** 2;
    dof += r.length - 1;
  });
  const nan: SimulatedCeiling = { ceiling: NaN, spread: [NaN, NaN], seedSd: NaN, trueSd: NaN };
  if (dof === 0 || runs.length < 3) return nan;
  const seedVar = ss / dof;
  const grand = means.reduce((a, b) => a + b, 0) / means.length;
  const meanVar = means.reduce((a, m) => a + (m - grand) ** 2, 0) / (means.length - 1);
  const noiseOfMeans = runs.reduce((a, r) => a + seedVar / r.length, 0) / runs.length;
  const trueVar = Math.max(0, meanVar - noiseOfMeans);
  const shrink = meanVar > 0 ? Math.sqrt(trueVar / meanVar) : 0;
  const truth = means.map((m) => grand + shrink * (m - grand));
  const rng = new Rng(options.seed ?? 0);
  const draws = options.draws ?? 2000;
  const taus: number[] = [];
  for (let d = 0; d < draws; d++) {
    const observed = truth.map((t, i) => t + rng.normal() * Math.sqrt(seedVar / runs[i].length));
    const tau = kendallTauB(truth, observed);
    if (Number.isFinite(tau)) taus.push(tau);
  }
  if (!taus.length) return nan;
  taus.sort((a, b) => a - b);
  const q = (p: number) => taus[Math.min(taus.length - 1, Math.floor(p * taus.length))];
  return {
    ceiling: taus.reduce((a, b) => a + b, 0) / taus.length,
    spread: [q(0.05), q(0.95)],
    seedSd: Math.sqrt(seedVar),
    trueSd: Math.sqrt(trueVar),
  };
}
