/** Optimal string alignment distance (Levenshtein with adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => {
    const row = new Array<number>(n + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= n; j++) d[0][j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[m][n];
}

/**
 * The candidate closest to `word`, if it is close enough to be a likely typo:
 * case-insensitive distance at most a third of the word's length (at least 1, at most 3).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const dist = lc === w ? 0 : editDistance(w, lc);
    const prefix = lc.startsWith(w) || w.startsWith(lc) ? Math.abs(lc.length - w.length) : Infinity;
    const score = Math.min(dist, prefix <= 3 && Math.min(w.length, lc.length) >= 3 ? 1 : Infinity);
    if (score < bestDist) {
      bestDist = score;
      best = c;
    }
  }
  return bestDist <= limit ? best : undefined;
}
