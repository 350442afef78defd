import type {
  SupernetConfig,
  SpaceConfig,
  TaskConfig,
  TrainConfig,
} from '../../../config/configSchema';
import { largestArch, smallestArch } from '../../../space/arch';
import { archKey, type Arch } from '#shared/arch';
import { subnetCost } from '../../../space/facts';
import { spaceDecisions, type SpaceDecisions } from '../../../space/decisions';
import type { Role, SampledSubnet } from './samplerTypes';

/** What every sampler needs to know about its space, computed once per run. */
export interface SamplerSpace {
  space: SpaceConfig;
  task: TaskConfig;
  train: TrainConfig;
  decisions: SpaceDecisions;
  largest: Arch;
  smallest: Arch;
  /** FLOPs of the smallest and of the largest subnet: every subnet lies in between. */
  minFlops: number;
  maxFlops: number;
  flops(arch: Arch): number;
  subnet(role: Role, arch: Arch): SampledSubnet;
}

export function samplerSpace(config: SupernetConfig): SamplerSpace {
  const { space, task, train } = config;
  const flops = (arch: Arch): number => subnetCost(space, task, arch).flops;
  const largest = largestArch(space, task);
  const smallest = smallestArch(space, task);
  return {
    space,
    task,
    train,
    decisions: spaceDecisions(space, task),
    largest,
    smallest,
    minFlops: flops(smallest),
    maxFlops: flops(largest),
    flops,
    // A copy, so that a caller editing a returned subnet cannot change the sampler's own.
    subnet: (role, arch) => ({ role, arch: structuredClone(arch), flops: flops(arch) }),
  };
}

/**
 * How many subnets per step the sampler chooses itself. With distillation the
 * largest subnet takes the first slot as teacher, but only when there are at least
 * two slots: a lone teacher would leave every other subnet untrained, so with
 * `subnets: 1` the single subnet is sampled and learns from the labels.
 */
export function sampledSlots(train: TrainConfig): { teacher: boolean; sampled: number } {
  const n = train.sampler.subnets;
  return train.distillation && n >= 2
    ? { teacher: true, sampled: n - 1 }
    : { teacher: false, sampled: n };
}

export const sameArch = (a: Arch, b: Arch): boolean => archKey(a) === archKey(b);
