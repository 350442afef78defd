/**
 * GM-NAS's split criterion as pure arithmetic (Hu et al., ICLR 2022, "Generalizing Few-Shot
 * NAS with Gradient Matching"): how much the choices of one decision agree on the gradient
 * of the weights they share, and the grouping of the choices whose groups agree least with
 * each other. The gradients themselves come from splitChoice.ts.
 */

/**
 * Cosine similarity of every pair of gradient vectors: dot(a, b) / (‖a‖ ‖b‖), summed in
 * float64; 0 where a vector is all zeros (a choice that moves no shared weight agrees with
 * nothing). GM-NAS's `cos` distance is 1 minus this, on the concatenated gradients.
 */
export function cosineSimilarities(vectors: readonly Float32Array[]): number[][] {
  const n = vectors.length;
  const norms = vectors.map((v) => Math.sqrt(dot(v, v)));
  const sim = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    sim[i][i] = norms[i] > 0 ? 1 : 0;
    for (let j = i + 1; j < n; j++) {
      const s =
        norms[i] > 0 && norms[j] > 0 ? dot(vectors[i], vectors[j]) / (norms[i] * norms[j]) : 0;
      sim[i][j] = sim[j][i] = s;
    }
  }
  return sim;
}

function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length)
    throw new Error(`Gradient vectors of ${a.length} and ${b.length} values`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** The element-wise mean of equally shaped matrices (GM-NAS averages over its batches). */
export function meanMatrix(ms: readonly number[][][]): number[][] {
  if (!ms.length) throw new Error('No matrices to average');
  return ms[0].map((row, i) => row.map((_, j) => ms.reduce((s, m) => s + m[i][j], 0) / ms.length));
}

/** A grouping of n choices by index: every group non-empty, ascending, groups by first member. */
export type Partition = number[][];

/**
 * How much the groups of `partition` agree with each other: the mean similarity over the
 * pairs of choices in different groups (the graph cut, divided by the number of pairs it
 * cuts). GM-NAS sums the cut; the mean makes decisions with different numbers of choices,
 * and groupings of different sizes, comparable (a sum favours cutting off one choice alone,
 * which cuts the fewest pairs).
 */
export function crossGroupSimilarity(sim: readonly number[][], partition: Partition): number {
  const group = new Map<number, number>();
  partition.forEach((g, k) => g.forEach((i) => group.set(i, k)));
  let total = 0;
  let pairs = 0;
  for (const [i, gi] of group)
    for (const [j, gj] of group)
      if (i < j && gi !== gj) {
        total += sim[i][j];
        pairs++;
      }
  return pairs ? total / pairs : 0;
}

/**
 * Every grouping of choices 0..n−1 into exactly k non-empty groups, each once (set
 * partitions as restricted growth strings: choice i joins one of the groups opened before it
 * or opens the next), in a fixed order (depth first, lower group labels first).
 */
export function* partitions(n: number, k: number): Generator<Partition> {
  if (k < 1 || k > n) return;
  const label = new Array<number>(n).fill(0);
  function* place(i: number, opened: number): Generator<Partition> {
    if (n - i < k - opened) return; // too few choices left to open the missing groups
    if (i === n) {
      if (opened !== k) return;
      const groups: Partition = Array.from({ length: k }, () => []);
      label.forEach((g, c) => groups[g].push(c));
      yield groups;
      return;
    }
    for (let g = 0; g <= Math.min(opened, k - 1); g++) {
      label[i] = g;
      yield* place(i + 1, Math.max(opened, g + 1));
    }
  }
  yield* place(0, 0);
}

/** Above this many choices, groupings are contiguous ranges of the sorted choices only. */
export const EXHAUSTIVE_CHOICES = 10;

/**
 * Groupings of choices 0..n−1 (sorted ascending by value) into k contiguous ranges: the
 * candidates for decisions with more than EXHAUSTIVE_CHOICES choices, where all set
 * partitions would be too many (S(11, 4) = 145 750, growing about k-fold per choice).
 */
export function* rangePartitions(n: number, k: number): Generator<Partition> {
  function* cut(start: number, left: number): Generator<number[][]> {
    if (left === 1) {
      yield [Array.from({ length: n - start }, (_, i) => start + i)];
      return;
    }
    for (let end = start + 1; end <= n - left + 1; end++) {
      const head = Array.from({ length: end - start }, (_, i) => start + i);
      for (const rest of cut(end, left - 1)) yield [head, ...rest];
    }
  }
  if (k >= 1 && k <= n) yield* cut(0, k);
}

/**
 * The grouping of a decision's choices into k groups whose groups agree least (the lowest
 * crossGroupSimilarity), searched exhaustively up to EXHAUSTIVE_CHOICES choices, among
 * contiguous ranges beyond; the first in enumeration order on a tie. GM-NAS's own search
 * (`mincut_split_*`) handles 2 or 3 groups of its fixed operation counts, with size limits.
 */
export function bestPartition(
  sim: readonly number[][],
  k: number,
): { partition: Partition; score: number } {
  const n = sim.length;
  if (k < 2 || k > n) throw new Error(`Cannot split ${n} choices into ${k} groups`);
  const candidates = n <= EXHAUSTIVE_CHOICES ? partitions(n, k) : rangePartitions(n, k);
  let best: { partition: Partition; score: number } | undefined;
  for (const partition of candidates) {
    const score = crossGroupSimilarity(sim, partition);
    if (!best || score < best.score) best = { partition, score };
  }
  return best!;
}
