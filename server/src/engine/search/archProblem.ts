import { archKey, type Arch } from '#shared/arch';
import type { Rng } from '#shared/rng';
import { buildArch, valueOf, type Decision, type SpaceDecisions } from '../../space/decisions';
import type { Score } from './dominance';
import type { ScoredGenome, Problem } from './types';

/** One choice index per decision of `SpaceDecisions.all`, in that order. */
export type ArchGenome = number[];

export interface ArchProblem extends Problem<ArchGenome> {
  decisions: SpaceDecisions;
  decode(g: readonly number[]): Arch;
  /** A genome decoding to `arch`; genes of blocks beyond a stage's depth are 0. */
  encode(arch: Arch): ArchGenome;
}

/**
 * Subnets as fixed-length genomes for the generic engines. Every decision has a gene,
 * also the kernel and expand of blocks a shallower depth leaves out: those genes are
 * inactive but kept, so that a later mutation of the depth brings back blocks the
 * lineage already carried. Since genomes differing only in inactive genes are the same
 * subnet, `key` is the `archKey` of the decoded subnet, never the raw genes.
 */
export function archProblem(
  decisions: SpaceDecisions,
  evaluate: (archs: Arch[]) => Promise<Score[]>,
): ArchProblem {
  const all = decisions.all;
  const gene = new Map<Decision, number>(all.map((d, i) => [d, i]));
  const decode = (g: readonly number[]): Arch => {
    if (g.length !== all.length) {
      throw new Error(`An arch genome has ${all.length} genes, got ${g.length}.`);
    }
    return buildArch(decisions, (d) => d.choices[g[gene.get(d) as number]]);
  };
  return {
    decisions,
    decode,
    encode(arch) {
      return all.map((d) => {
        const v = valueOf(arch, d);
        if (v === undefined) return 0;
        const i = d.choices.indexOf(v);
        if (i < 0) throw new Error(`${d.name} = ${v} is not a choice of the space.`);
        return i;
      });
    },
    random: (rng: Rng) => all.map((d) => rng.int(d.choices.length)),
    // Uniform crossover: each gene from either parent with equal chance.
    crossover(a, b, rng) {
      const c = [...a];
      const d = [...b];
      for (let i = 0; i < c.length; i++) {
        if (rng.next() < 0.5) {
          c[i] = b[i];
          d[i] = a[i];
        }
      }
      return [c, d];
    },
    // A resampled gene may draw its old value: `rate` is the chance of a fresh draw, as documented for `mutationRate`.
    mutate: (g, rng, rate) =>
      g.map((v, i) => (rng.next() < rate ? rng.int(all[i].choices.length) : v)),
    key: (g) => archKey(decode(g)),
    async evaluate(batch) {
      const scores = await evaluate(batch.map(decode));
      if (scores.length !== batch.length) {
        throw new Error(
          `Arch evaluation returned ${scores.length} scores for ${batch.length} subnets.`,
        );
      }
      return scores.map((s, i): ScoredGenome<ArchGenome> => ({
        genome: batch[i],
        objectives: s.objectives,
        violation: s.violation,
      }));
    },
  };
}
