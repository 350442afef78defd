/**
 * Exponential moving average of a curve, debiased as TensorBoard does: a plain EMA
 * starts from 0 and drags the first points toward it, so each value is divided by
 * 1 − w^t, t being how many finite values went in so far. Gaps (null, NaN) stay gaps
 * and do not count. Weight 0 returns the values unchanged.
 */
export function smoothEma(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(Number.isFinite(weight) ? weight : 0, 0), 0.999);
  const out: (number | null)[] = [];
  let last = 0;
  // w^t, kept as a running product: the slider redraws 100k-point curves per frame.
  let wt = 1;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) {
      out.push(null);
      continue;
    }
    wt *= w;
    last = last * w + (1 - w) * v;
    out.push(w === 0 ? v : last / (1 - wt));
  }
  return out;
}
