import type { Rng } from '#shared/rng';
import { crowdingDistance } from './crowdingDistance';
import { nondominatedSort } from './nondominatedSort';
import type { ScoredGenome } from './types';

/** A population with what the tournament compares: front rank (0 best) and crowding distance. */
export interface Ranked<G> {
  members: ScoredGenome<G>[];
  rank: number[];
  crowding: number[];
}

/**
 * NSGA-II's (μ+λ) environmental selection: whole fronts while they fit, then the least
 * crowded points of the front that does not. Crowding of that last front is computed
 * again on its survivors, so the tournament sees the spacing that is actually left.
 * Ties in crowding keep the earlier point (parents before offspring), for determinism.
 */
export function selectSurvivors<G>(candidates: readonly ScoredGenome<G>[], mu: number): Ranked<G> {
  const out: Ranked<G> = { members: [], rank: [], crowding: [] };
  const fronts = nondominatedSort(candidates);
  for (let r = 0; r < fronts.length && out.members.length < mu; r++) {
    let front = fronts[r];
    const room = mu - out.members.length;
    if (front.length > room) {
      const cd = crowdingDistance(front.map((i) => candidates[i].objectives));
      const order = front.map((_, k) => k).sort((a, b) => cd[b] - cd[a] || a - b);
      front = order
        .slice(0, room)
        .sort((a, b) => a - b)
        .map((k) => front[k]);
    }
    const cd = crowdingDistance(front.map((i) => candidates[i].objectives));
    front.forEach((i, k) => {
      out.members.push(candidates[i]);
      out.rank.push(r);
      out.crowding.push(cd[k]);
    });
  }
  return out;
}

/** Binary tournament: lower rank wins, then larger crowding distance, then a coin flip. */
export function tournament<G>(pop: Ranked<G>, rng: Rng): ScoredGenome<G> {
  const n = pop.members.length;
  if (n === 1) return pop.members[0];
  const a = rng.int(n);
  let b = rng.int(n - 1);
  if (b >= a) b++;
  const { rank, crowding } = pop;
  if (rank[a] !== rank[b]) return pop.members[rank[a] < rank[b] ? a : b];
  if (crowding[a] !== crowding[b]) return pop.members[crowding[a] > crowding[b] ? a : b];
  return pop.members[rng.next() < 0.5 ? a : b];
}
