import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '#shared/rng';
import {
  fitRidge,
  predictRidge,
  RidgeEnsemble,
} from '../../../../server/src/engine/search/ridgeEnsemble';

const rowsOf = (xs: number[][]) => xs.map((x) => Float64Array.from(x));

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);

void describe('ridge regression', () => {
  void test('one feature, λ = 1, matches the algebra', () => {
    // x = 0, 1, 2, 3 and y = 1, 3, 2, 6: x̄ = 1.5, ȳ = 3; centred x = −1.5, −0.5, 0.5, 1.5
    // and y = −2, 0, −1, 3. Σxc² = 5, Σxc·yc = 3 + 0 − 0.5 + 4.5 = 7, so
    // w = 7 / (5 + 1) = 7/6 and the intercept is 3 − 1.5 · 7/6 = 1.25.
    const model = fitRidge(rowsOf([[0], [1], [2], [3]]), [1, 3, 2, 6], 1);
    close(model.weights[0], 7 / 6);
    close(model.intercept, 1.25);
    close(predictRidge(model, Float64Array.of(4)), 1.25 + 4 * (7 / 6));
  });

  void test('two features, λ = 1, matches the algebra', () => {
    // Rows (1, 0), (0, 1), (1, 1), y = 1, 2, 4: x̄ = (2/3, 2/3), ȳ = 7/3.
    // Centred rows (1/3, −2/3), (−2/3, 1/3), (1/3, 1/3); centred y −4/3, −1/3, 5/3.
    // XcᵀXc = [[2/3, −1/3], [−1/3, 2/3]], Xcᵀyc = (1/3, 4/3).
    // (XcᵀXc + I)⁻¹ = 3/8 · [[5/3, 1/3], [1/3, 5/3]] (determinant 25/9 − 1/9 = 8/3), so
    // w₁ = 3/8 · (5/9 + 4/9) = 3/8, w₂ = 3/8 · (1/9 + 20/9) = 7/8,
    // intercept = 7/3 − 2/3 · (3/8 + 7/8) = 3/2.
    const model = fitRidge(
      rowsOf([
        [1, 0],
        [0, 1],
        [1, 1],
      ]),
      [1, 2, 4],
      1,
    );
    close(model.weights[0], 3 / 8);
    close(model.weights[1], 7 / 8);
    close(model.intercept, 3 / 2);
  });

  void test('recovers a linear function exactly as λ goes to 0', () => {
    const f = (x: number[]) => 2 + 3 * x[0] - 0.5 * x[1];
    const xs = [
      [0, 0],
      [1, 0],
      [0, 2],
      [3, 1],
      [2, 5],
      [4, 4],
    ];
    const model = fitRidge(rowsOf(xs), xs.map(f), 1e-10);
    close(model.weights[0], 3, 1e-8);
    close(model.weights[1], -0.5, 1e-8);
    close(model.intercept, 2, 1e-8);
    close(predictRidge(model, Float64Array.of(10, -3)), f([10, -3]), 1e-7);
  });

  void test('leaves the intercept unpenalised: shifting the targets shifts only it', () => {
    const rows = rowsOf([[0], [1], [2], [3]]);
    const a = fitRidge(rows, [1, 3, 2, 6], 5);
    const b = fitRidge(rows, [101, 103, 102, 106], 5);
    close(b.weights[0], a.weights[0]);
    close(b.intercept, a.intercept + 100);
  });

  void test('solves collinear features (one-hot columns summing to 1) with λ > 0', () => {
    // Columns 0 and 1 always sum to 1: XᵀX is singular, XᵀX + λI is not.
    const model = fitRidge(
      rowsOf([
        [1, 0],
        [0, 1],
        [1, 0],
      ]),
      [5, 7, 5],
    );
    close(predictRidge(model, Float64Array.of(1, 0)), 5, 0.05);
    close(predictRidge(model, Float64Array.of(0, 1)), 7, 0.05);
    assert.throws(
      () =>
        fitRidge(
          rowsOf([
            [1, 0],
            [0, 1],
          ]),
          [5, 7],
          0,
        ),
      /singular/,
    );
  });
});

void describe('bootstrap ridge ensembles', () => {
  const xs = Array.from({ length: 30 }, (_, i) => [i % 6, Math.floor(i / 6)]);

  void test('agree when the data pin the model down', () => {
    // Constant targets: every member is the constant; linear targets: every member
    // recovers the same line from its resample.
    const constant = RidgeEnsemble.fit(rowsOf(xs), new Array<number>(30).fill(3), new Rng(1));
    const linear = RidgeEnsemble.fit(
      rowsOf(xs),
      xs.map((x) => 1 + x[0] - 2 * x[1]),
      new Rng(1),
      { lambda: 1e-10 },
    );
    const probe = rowsOf([
      [0, 0],
      [2.5, 7],
    ]);
    const c = constant.predict(probe);
    const l = linear.predict(probe);
    for (let i = 0; i < 2; i++) {
      close(c.mean[i], 3, 1e-12);
      close(c.std[i], 0, 1e-12);
      close(l.std[i], 0, 1e-8);
    }
    close(l.mean[1], 1 + 2.5 - 14, 1e-8);
  });

  void test('disagree on noisy data, and more so far from it', () => {
    const noise = new Rng(7);
    const targets = xs.map((x) => x[0] + noise.normal());
    const ensemble = RidgeEnsemble.fit(rowsOf(xs), targets, new Rng(2), { members: 16 });
    const { std } = ensemble.predict(
      rowsOf([
        [2.5, 2],
        [100, 2],
      ]),
    );
    assert.ok(std[0] > 0, `${std[0]}`);
    assert.ok(std[1] > std[0], `${std[1]} ≤ ${std[0]}`);
  });

  void test('is reproducible: same seed, same members', () => {
    const noise = new Rng(7);
    const targets = xs.map((x) => x[0] + noise.normal());
    const fit = (seed: number) =>
      RidgeEnsemble.fit(rowsOf(xs), targets, new Rng(seed)).predict(rowsOf([[1, 1]]));
    assert.deepEqual(fit(3), fit(3));
    assert.notDeepEqual(fit(3), fit(4));
  });
});
