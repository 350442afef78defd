import type { Score } from '../../../../server/src/engine/search/dominance';

/** ZDT test problems (Zitzler, Deb & Thiele 2000): n variables in [0, 1], two objectives to minimise. */
export interface Zdt {
  name: string;
  score(x: readonly number[]): Score;
  /** f₂ on the Pareto-optimal front (g = 1) as a function of f₁ ∈ [0, 1]. */
  front(f1: number): number;
  /** Exact hypervolume of the whole optimal front against (1.1, 1.1). */
  optimalHypervolume: number;
}

const g = (x: readonly number[]): number => {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += x[i];
  return 1 + (9 * s) / (x.length - 1);
};

// Against (1.1, 1.1) the dominated area is ∫₀¹ (1.1 − f(t)) dt over the front plus the
// strip 0.1 · 1.1 to the right of f₁ = 1 (f = 0 there).
export const ZDT1: Zdt = {
  name: 'ZDT1',
  score(x) {
    const gx = g(x);
    return { objectives: [x[0], gx * (1 - Math.sqrt(x[0] / gx))], violation: 0 };
  },
  front: (f1) => 1 - Math.sqrt(f1),
  // ∫₀¹ (0.1 + √t) dt + 0.11 = 0.1 + 2/3 + 0.11
  optimalHypervolume: 0.1 + 2 / 3 + 0.11,
};

export const ZDT2: Zdt = {
  name: 'ZDT2',
  score(x) {
    const gx = g(x);
    return { objectives: [x[0], gx * (1 - (x[0] / gx) ** 2)], violation: 0 };
  },
  front: (f1) => 1 - f1 * f1,
  // ∫₀¹ (0.1 + t²) dt + 0.11 = 0.1 + 1/3 + 0.11
  optimalHypervolume: 0.1 + 1 / 3 + 0.11,
};
