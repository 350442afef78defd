/**
 * log |det A| of an n×n matrix (row-major) in float64, by LU factorisation with partial
 * pivoting: the sum of the logs of the pivots' magnitudes. numpy's `slogdet`, which the
 * NASWOT reference code calls, does the same through LAPACK. The determinant itself is never
 * formed, so a 128×128 kernel whose determinant overflows a double still has its log.
 * −Infinity for a singular matrix (an exactly zero pivot), as `slogdet` returns. `a` is not
 * modified.
 */
export function logAbsDet(a: ArrayLike<number>, n: number): number {
  if (a.length !== n * n) throw new Error(`logAbsDet: ${a.length} entries for a ${n}×${n} matrix`);
  const m = Float64Array.from(a);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]) > Math.abs(m[p * n + k])) p = i;
    const pivot = m[p * n + k];
    if (pivot === 0) return -Infinity;
    if (p !== k)
      for (let j = k; j < n; j++) {
        const t = m[k * n + j];
        m[k * n + j] = m[p * n + j];
        m[p * n + j] = t;
      }
    sum += Math.log(Math.abs(pivot));
    for (let i = k + 1; i < n; i++) {
      const f = m[i * n + k] / pivot;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) m[i * n + j] -= f * m[k * n + j];
    }
  }
  return sum;
}
