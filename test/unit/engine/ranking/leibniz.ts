/**
 * The determinant of a small n×n matrix (row-major) by the Leibniz formula: a sum over the
 * n! permutations, nothing shared with an LU factorisation (not a test file itself).
 */
export function leibnizDet(a: ArrayLike<number>, n: number): number {
  let det = 0;
  const perm = Array.from({ length: n }, (_, i) => i);
  const visit = (k: number, sign: number): void => {
    if (k === n) {
      let p = sign;
      for (let i = 0; i < n; i++) p *= a[i * n + perm[i]];
      det += p;
      return;
    }
    for (let i = k; i < n; i++) {
      [perm[k], perm[i]] = [perm[i], perm[k]];
      visit(k + 1, i === k ? sign : -sign);
      [perm[k], perm[i]] = [perm[i], perm[k]];
    }
  };
  visit(0, 1);
  return det;
}
