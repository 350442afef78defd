import { createHash } from 'node:crypto';
import type { Arch } from '#shared/arch';
import type { DeviceProfile, ProfiledSpace } from '#shared/deviceProfile';
import type { SpaceConfig, TaskConfig } from '../config/configSchema';
import { archUnits } from './latencyUnits';
import { spaceKeyOf } from './spaceKey';

/** What a space's latencies depend on, as a device table keys it: a hash of its key. */
export const spaceFingerprint = (space: SpaceConfig, task: TaskConfig): string =>
  createHash('sha256').update(spaceKeyOf({ space, task })).digest('hex').slice(0, 16);

/** A subnet's predicted latency on a device, with the sum it is made of. */
export interface Prediction {
  ms: number;
  /** Each unit's time, in execution order. */
  units: { key: string; ms: number }[];
  /** What the units' sum is multiplied by (fitted; 1 unless a scale fitted better). */
  scale: number;
  /** The fitted overhead of this subnet: a constant plus a term per unit. */
  overheadMs: number;
  /** Whether the overhead was fitted on this space (else the median over the profiled spaces). */
  fitted: boolean;
}

/**
 * A subnet's latency on the profiled device: the sum of its units' times (times the
 * fitted scale) plus the overhead fitted for its space (a constant and a term per unit) (for a space never profiled whole but whose units are all
 * in the table, the median of the profiled spaces' overheads). A string names a unit the
 * table lacks: the space was not profiled on this device.
 */
export function predictLatency(
  profile: DeviceProfile,
  space: SpaceConfig,
  task: TaskConfig,
  arch: Arch,
  fingerprint = spaceFingerprint(space, task),
): Prediction | string {
  const units: Prediction['units'] = [];
  for (const u of archUnits(space, task, arch)) {
    const t = profile.units[u.key];
    if (!t)
      return `the latency table of ${profile.device} has no entry for ${u.key}: run \`supernet profile CONFIG --device ${profile.device}\` on this space`;
    units.push({ key: u.key, ms: t.ms });
  }
  const own = profile.spaces[fingerprint];
  const middle = (f: (s: ProfiledSpace) => number, none = 0) => {
    const xs = Object.values(profile.spaces)
      .map(f)
      .sort((a, b) => a - b);
    return xs[xs.length >> 1] ?? none;
  };
  const overheadMs =
    (own?.overheadMs ?? middle((s) => s.overheadMs)) +
    units.length * (own?.perUnitMs ?? middle((s) => s.perUnitMs ?? 0));
  const scale = own?.unitScale ?? middle((s) => s.unitScale ?? 1, 1);
  const sum = units.reduce((a, u) => a + u.ms, 0);
  return {
    ms: Math.max(0, scale * sum + overheadMs),
    units,
    scale,
    overheadMs,
    fitted: own !== undefined,
  };
}
