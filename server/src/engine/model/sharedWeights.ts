import type { Arch } from '#shared/arch';
import type { SpaceConfig, TaskConfig } from '../../config/configSchema';
import type { Supernet } from './supernet';

/**
 * The weights a run scores, searches and exports subnets with: one supernet (which is its own
 * SharedWeights), or after a few-shot split the sub-supernets, each serving the subnets of its
 * part of the space (train/fewShotSplit.ts). Whoever scores a subnet asks for its supernet
 * here, so search and export work over the union of the parts unchanged.
 */
export interface SharedWeights {
  readonly space: SpaceConfig;
  readonly task: TaskConfig;
  /** The supernet whose shared weights `arch` uses. */
  supernetOf(arch: Arch): Supernet;
  dispose(): void;
}
