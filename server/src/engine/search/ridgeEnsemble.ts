import type { Rng } from '#shared/rng';

/**
 * Penalty λ of ridge regression. Meant for one-hot or similarly scaled features: where
 * a feature varies, its diagonal of XᵀX grows with the number of rows and 0.01 hardly
 * moves the fit; where the data say nothing (one-hot columns that always sum to 1,
 * choices never seen, fewer rows than features) it makes the system solvable and picks
 * the smallest weights that fit, instead of failing on a singular matrix.
 */
export const DEFAULT_RIDGE_LAMBDA = 1e-2;

/**
 * Bootstrap models in an ensemble. The spread of E models estimates a standard
 * deviation with a relative error of about 1/√(2(E−1)), ≈ 27% for 8: enough to tell
 * certain predictions from uncertain ones, while fitting costs E single models.
 */
export const DEFAULT_ENSEMBLE_MEMBERS = 8;

/** A fitted linear model: prediction = intercept + weights · row. */
export interface RidgeModel {
  readonly weights: Float64Array;
  readonly intercept: number;
}

/**
 * Ridge regression in closed form: the weights solve (XcᵀXc + λI) w = Xcᵀyc, with Xc and
 * yc the features and targets centred on their means, and the intercept is
 * ȳ − x̄ · w. Centring leaves the intercept unpenalised, so shifting every target by a
 * constant shifts the predictions by exactly that constant, whatever λ.
 */
export function fitRidge(
  rows: readonly Float64Array[],
  targets: readonly number[],
  lambda: number = DEFAULT_RIDGE_LAMBDA,
): RidgeModel {
  const n = rows.length;
  if (n === 0) throw new Error('Ridge regression needs at least one row.');
  if (targets.length !== n) throw new Error(`${n} rows but ${targets.length} targets.`);
  if (!(lambda >= 0)) throw new Error(`The ridge penalty must be ≥ 0, got ${lambda}.`);
  const d = rows[0].length;
  for (const r of rows) {
    if (r.length !== d) throw new Error(`Rows of ${d} and ${r.length} features.`);
  }

  const xMean = new Float64Array(d);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    for (let j = 0; j < d; j++) xMean[j] += r[j];
    yMean += targets[i];
  }
  for (let j = 0; j < d; j++) xMean[j] /= n;
  yMean /= n;

  // Normal equations on centred data; only the lower triangle is filled, Cholesky reads no more.
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  const xc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    for (let j = 0; j < d; j++) xc[j] = r[j] - xMean[j];
    const yc = targets[i] - yMean;
    for (let j = 0; j < d; j++) {
      const v = xc[j];
      if (v === 0) continue; // one-hot rows are mostly zeros after centring on a constant column
      b[j] += v * yc;
      for (let k = 0; k <= j; k++) a[j * d + k] += v * xc[k];
    }
  }
  for (let j = 0; j < d; j++) a[j * d + j] += lambda;

  const weights = choleskySolve(a, b, d);
  let intercept = yMean;
  for (let j = 0; j < d; j++) intercept -= xMean[j] * weights[j];
  return { weights, intercept };
}

export function predictRidge(model: RidgeModel, row: Float64Array): number {
  const w = model.weights;
  if (row.length !== w.length) {
    throw new Error(`The model has ${w.length} features, the row ${row.length}.`);
  }
  let y = model.intercept;
  for (let j = 0; j < w.length; j++) y += w[j] * row[j];
  return y;
}

/**
 * Solves A x = b for a symmetric positive definite d×d `a` (row-major, lower triangle
 * read) by Cholesky, A = LLᵀ, then two triangular solves. `a` is overwritten by L.
 */
function choleskySolve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  for (let j = 0; j < d; j++) {
    const original = a[j * d + j];
    let diag = original;
    for (let k = 0; k < j; k++) diag -= a[j * d + k] ** 2;
    // A pivot lost in round-off (relative to its column) means A is singular up to precision.
    if (!(diag > 8 * d * Number.EPSILON * original)) {
      throw new Error('Ridge regression hit a singular system: use a penalty λ > 0.');
    }
    const ljj = Math.sqrt(diag);
    a[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = s / ljj;
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= a[i * d + k] * z[k];
    z[i] = s / a[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < d; k++) s -= a[k * d + i] * x[k];
    x[i] = s / a[i * d + i];
  }
  return x;
}

export interface RidgeEnsembleOptions {
  /** Bootstrap models E; default `DEFAULT_ENSEMBLE_MEMBERS`. */
  members?: number;
  /** Ridge penalty λ of every model; default `DEFAULT_RIDGE_LAMBDA`. */
  lambda?: number;
}

/** Per row, the mean of the members' predictions and their (population) standard deviation. */
export interface EnsemblePrediction {
  mean: Float64Array;
  std: Float64Array;
}

/**
 * Bagged ridge regression: each member is fitted on n rows drawn with replacement from
 * the n given, so where the data pin a prediction down the members agree and where
 * they do not (few or unrepresentative rows) they disagree. That disagreement is the
 * uncertainty a search can act on; the rows drawn come from `rng`, so a seed fixes it.
 */
export class RidgeEnsemble {
  private constructor(readonly models: readonly RidgeModel[]) {}

  static fit(
    rows: readonly Float64Array[],
    targets: readonly number[],
    rng: Rng,
    options: RidgeEnsembleOptions = {},
  ): RidgeEnsemble {
    const members = options.members ?? DEFAULT_ENSEMBLE_MEMBERS;
    if (!Number.isInteger(members) || members < 1) {
      throw new Error(`An ensemble needs ≥ 1 members, got ${members}.`);
    }
    const n = rows.length;
    const models: RidgeModel[] = [];
    for (let e = 0; e < members; e++) {
      const pick = Array.from({ length: n }, () => rng.int(n));
      models.push(
        fitRidge(
          pick.map((i) => rows[i]),
          pick.map((i) => targets[i]),
          options.lambda,
        ),
      );
    }
    return new RidgeEnsemble(models);
  }

  predict(rows: readonly Float64Array[]): EnsemblePrediction {
    const mean = new Float64Array(rows.length);
    const std = new Float64Array(rows.length);
    const e = this.models.length;
    rows.forEach((row, i) => {
      const ys = this.models.map((m) => predictRidge(m, row));
      const m = ys.reduce((s, y) => s + y, 0) / e;
      // Two passes, not E[y²] − E[y]², which cancels catastrophically when the members agree.
      mean[i] = m;
      std[i] = Math.sqrt(ys.reduce((s, y) => s + (y - m) ** 2, 0) / e);
    });
    return { mean, std };
  }
}
