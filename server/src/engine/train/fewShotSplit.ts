import type { Arch } from '#shared/arch';
import type { SupernetConfig } from '../../config/configSchema';
import type { SharedWeights } from '../model/sharedWeights';
import type { Supernet } from '../model/supernet';
import type { Rng } from '#shared/rng';
import { RunError } from '../runError';
import { valueOf, withDecision, type Decision, type SpaceDecisions } from '../../space/decisions';
import { elasticKinds } from './samplers/progressiveShrinking';
import type { SamplerSpace } from './samplers/samplerSpace';
import type { SampledSubnet } from './samplers/samplerTypes';

/**
 * Few-shot NAS (Zhao et al., ICML 2021): the supernet is split into sub-supernets, each
 * covering the subnets whose value of one decision lies in its group of that decision's
 * choices; each starts as a copy of the trained parent and trains on its own part.
 *
 * Deviations from the papers and their code, where the search space is a DARTS cell or
 * ProxylessNAS's chain of mixed operations:
 *  - the decision split is one of this engine's elastic decisions (the resolution, a stage's
 *    depth or width, a block's kernel or expand ratio), not a cell edge's operation; a
 *    sub-supernet holds all the shared weights, its part differing only in which subnets it
 *    trains and serves;
 *  - one split, into K groups, once (`train.fewShot.at`); GM-NAS splits repeatedly (a tree
 *    of sub-supernets, a split per level);
 *  - after the split the remaining steps go to the sub-supernets in turn, one step each
 *    (round-robin), under the run's one learning-rate schedule, so the run costs what the
 *    parent alone would; the papers train every sub-supernet for the remaining epochs in
 *    full, each with its own schedule (K times the cost);
 *  - one subnet sampler for all parts: what it draws is confined to the step's part
 *    (`confine`), and what it learns (importance, PA&DA, the complexity-aware walk) it learns
 *    from every part's steps.
 */
export class FewShotSplit {
  constructor(
    readonly decision: Decision,
    /** The decision's choices of each sub-supernet: each ascending, parts by smallest choice. */
    readonly groups: readonly (readonly number[])[],
    /** The step before which the parent was split: the round-robin counts from it. */
    readonly step: number,
  ) {}

  /**
   * The split a checkpoint's header names, checked against the space: the decision must be
   * one of its decisions, and the groups must hold each of its choices exactly once.
   */
  static of(
    state: { decision: string; groups: number[][]; step: number },
    decisions: SpaceDecisions,
    what: string,
  ): FewShotSplit {
    const d = decisions.all.find((x) => x.name === state.decision);
    if (!d)
      throw new RunError(`${what} splits '${state.decision}', which the space does not have.`);
    const held = state.groups.flat().sort((a, b) => a - b);
    if (state.groups.length < 2 || held.join() !== d.choices.join())
      throw new RunError(
        `${what} splits ${d.name} into ${JSON.stringify(state.groups)}, which does not hold each of its choices [${d.choices.join(', ')}] once.`,
      );
    return new FewShotSplit(d, canonicalGroups(state.groups), state.step);
  }

  get parts(): number {
    return this.groups.length;
  }

  /** The sub-supernet covering `arch`: the one whose group holds its value of the decision. */
  partOf(arch: Arch): number {
    const v = valueOf(arch, this.decision);
    const k = this.groups.findIndex((g) => v !== undefined && g.includes(v));
    if (k < 0)
      throw new RunError(
        `The subnet's ${this.decision.name} (${v}) is none of the split's choices [${this.decision.choices.join(', ')}].`,
      );
    return k;
  }

  /** The sub-supernet that training step `step` (0-based, at or after the split) trains. */
  partOfStep(step: number): number {
    return (step - this.step) % this.parts;
  }

  /**
   * The sampler's subnets moved into part `part`: a subnet whose value of the decision is in
   * the part's group stays as drawn; any other takes the group's largest choice if it is the
   * largest subnet (the teacher stays the part's largest), its smallest if it is the
   * smallest, else one drawn uniformly from the group (so a uniform sampler stays uniform
   * over the part). With one resolution per step (SharedResolution) a resolution split
   * draws one for the whole step, which keeps it shared. A depth raised this way repeats
   * the stage's last block's kernel and expand ratio in the new blocks: what the stage
   * already uses, so no setting that progressive shrinking still holds fixed moves.
   */
  confine(
    subnets: readonly SampledSubnet[],
    part: number,
    s: SamplerSpace,
    rng: Rng,
    perStepResolution: boolean,
  ): SampledSubnet[] {
    const group = this.groups[part];
    const d = this.decision;
    let stepValue: number | undefined;
    return subnets.map((sub) => {
      const v = valueOf(sub.arch, d);
      if (v !== undefined && group.includes(v)) return sub;
      let value: number;
      if (perStepResolution && d.kind === 'resolution') value = stepValue ??= rng.pick(group);
      else if (sub.role === 'largest') value = group[group.length - 1];
      else if (sub.role === 'smallest') value = group[0];
      else value = rng.pick(group);
      return s.subnet(sub.role, withChoice(sub.arch, s.decisions, d, value));
    });
  }

  /** What a checkpoint's header keeps of the split. */
  state(): { step: number; decision: string; groups: number[][] } {
    return {
      step: this.step,
      decision: this.decision.name,
      groups: this.groups.map((g) => [...g]),
    };
  }

  /** Readable: `stage1.width: {8} | {16, 24}`. */
  describe(): string {
    return `${this.decision.name}: ${this.groups.map((g) => `{${g.join(', ')}}`).join(' | ')}`;
  }
}

/**
 * `arch` with decision `d` set to `value`; a raised depth repeats the stage's last block in
 * the blocks it adds (see FewShotSplit.confine).
 */
export function withChoice(
  arch: Arch,
  decisions: SpaceDecisions,
  d: Decision,
  value: number,
): Arch {
  return withDecision(arch, decisions, d, value, (bd) => {
    const s = arch.stages[bd.stage];
    const last = s.blocks[s.depth - 1];
    return bd.kind === 'kernel' ? last.kernel : last.expand;
  });
}

/** Groups with each ascending, ordered by their smallest choice: one name for one grouping. */
export function canonicalGroups(groups: readonly (readonly number[])[]): number[][] {
  return groups.map((g) => [...g].sort((a, b) => a - b)).sort((a, b) => a[0] - b[0]);
}

/**
 * The decisions a split may take, in sampling order:
 *  - the resolution, every stage's depth and width, and the kernel and expand ratio of the
 *    blocks every subnet has (below the stage's smallest depth): every subnet takes a value
 *    of these, so the parts cover the space and each subnet lies in exactly one. A deeper
 *    block's decision leaves shallower subnets in no part;
 *  - with at least `splits` choices;
 *  - elastic by the split: nothing while the largest subnet trains alone (delayed
 *    shrinking, progressive shrinking's first phase), and under progressive shrinking only
 *    the dimensions its phase has opened. A decision the parent never trained has no
 *    gradients to compare and nothing for its sub-supernets to inherit.
 */
export function splitCandidates(config: SupernetConfig, decisions: SpaceDecisions): Decision[] {
  const { fewShot, delayedShrinking, progressiveShrinking } = config.train;
  if (!fewShot || fewShot.at < delayedShrinking) return [];
  const elastic = progressiveShrinking ? elasticKinds(progressiveShrinking, fewShot.at) : undefined;
  if (progressiveShrinking && !elastic) return [];
  const out: Decision[] = [decisions.resolution];
  for (const s of decisions.stages) {
    out.push(s.depth, s.width);
    for (const b of s.blocks.slice(0, s.depth.choices[0])) out.push(b.kernel, b.expand);
  }
  return out.filter((d) => d.choices.length >= fewShot.splits && (!elastic || elastic.has(d.kind)));
}

/**
 * Few-shot NAS's split: `k` groups of a decision's choices (by value), the choices shuffled
 * and dealt in contiguous runs as even as possible (sizes differ by at most one). The
 * papers' random split needs the choices to divide evenly.
 */
export function randomGroups(choices: readonly number[], k: number, rng: Rng): number[][] {
  const order = rng.shuffle([...choices]) as number[];
  const groups: number[][] = [];
  let at = 0;
  for (let g = 0; g < k; g++) {
    const size = Math.floor(choices.length / k) + (g < choices.length % k ? 1 : 0);
    groups.push(order.slice(at, at + size));
    at += size;
  }
  return canonicalGroups(groups);
}

/**
 * The weights of a split run: each subnet is served by the sub-supernet whose part holds it
 * (SharedWeights), so scoring, search and ONNX export take a subnet's weights from its own
 * sub-supernet and work over the union of the parts unchanged.
 */
export class SplitSupernet implements SharedWeights {
  constructor(
    readonly split: FewShotSplit,
    readonly parts: readonly Supernet[],
  ) {
    if (parts.length !== split.parts)
      throw new Error(`${parts.length} sub-supernets for a split into ${split.parts}`);
  }

  get space(): Supernet['space'] {
    return this.parts[0].space;
  }

  get task(): Supernet['task'] {
    return this.parts[0].task;
  }

  supernetOf(arch: Arch): Supernet {
    return this.parts[this.split.partOf(arch)];
  }

  dispose(): void {
    for (const p of this.parts) p.dispose();
  }
}

/** The checkpoint name of sub-supernet `part`'s tensor `name`: `part1.stem.kernel`. */
export const partTensorName = (part: number, name: string): string => `part${part + 1}.${name}`;
