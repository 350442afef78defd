import type { SpaceConfig, TaskConfig } from '../config/configSchema';
import type { Arch } from '#shared/arch';
import type { Rng } from '#shared/rng';
import { buildArch, spaceDecisions, type SpaceDecisions } from './decisions';

/**
 * A uniformly random subnet: every decision (resolution; per stage depth and width;
 * per active block kernel and expand) drawn uniformly and independently.
 * Note this is uniform per decision, not over distinct subnets: deep stages have
 * more distinct settings, yet each depth is drawn equally often (as in OFA/BigNAS).
 */
export function randomArch(space: SpaceConfig, task: TaskConfig, rng: Rng): Arch {
  return randomArchOf(spaceDecisions(space, task), rng);
}

/** `randomArch` for callers that keep the decisions of their space. */
export function randomArchOf(dec: SpaceDecisions, rng: Rng): Arch {
  return buildArch(dec, (d) => rng.pick(d.choices));
}
