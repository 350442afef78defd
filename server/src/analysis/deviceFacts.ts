import { parseConstraint } from '#shared/constraints';
import type { ProfileQuality } from '#shared/deviceProfile';
import { deviceOf } from '#shared/metrics';
import type { DeviceProfile } from '#shared/deviceProfile';
import type { SupernetConfig } from '../config/configSchema';
import { didYouMean } from '../config/didYouMean';
import type { Problem } from '../config/problems';
import { joinPath, type ResolvedConfig } from '../config/resolve';
import { largestArch, smallestArch } from '../space/arch';
import { predictLatency, spaceFingerprint } from '../space/deviceTable';

/** A profiled device's view of the space: its latency range and the table's quality there. */
export interface DeviceRange {
  device: string;
  /** Predicted latency of the smallest and the largest subnet, ms. */
  ms: [number, number];
  /** Whether this very space was profiled (else its units were, within other spaces). */
  fitted: boolean;
  quality?: ProfileQuality;
}

export interface DeviceFacts {
  /** Every device with a readable table in the workspace. */
  known: string[];
  /** The devices whose table covers this space. */
  ranges: DeviceRange[];
}

/** The devices of the workspace, and the space's latency range on each table that covers it. */
export function deviceFacts(
  profiles: ReadonlyMap<string, DeviceProfile>,
  config: SupernetConfig | undefined,
): DeviceFacts {
  const ranges: DeviceRange[] = [];
  if (config) {
    const { space, task } = config;
    const fp = spaceFingerprint(space, task);
    for (const [device, profile] of profiles) {
      const lo = predictLatency(profile, space, task, smallestArch(space, task), fp);
      const hi = predictLatency(profile, space, task, largestArch(space, task), fp);
      if (typeof lo === 'string' || typeof hi === 'string') continue;
      const quality = profile.spaces[fp]?.quality;
      ranges.push({
        device,
        ms: [lo.ms, hi.ms],
        fitted: lo.fitted,
        ...(quality ? { quality } : {}),
      });
    }
  }
  return { known: [...profiles.keys()], ranges };
}

/**
 * A `latency@NAME` of a device the workspace has no table of is a warning (a search then
 * needs that device's worker connected), with a fix to the closest known name.
 */
export function deviceProblems(r: ResolvedConfig, devices: DeviceFacts): Problem[] {
  const out: Problem[] = [];
  const report = (
    path: (string | number)[],
    part: 'key' | 'value',
    device: string,
    written: string,
  ) => {
    if (devices.known.includes(device)) return;
    const loc = r.locations.get(joinPath(path));
    const range = part === 'key' && loc?.key ? loc.key : loc?.value;
    if (!range) return;
    const guess = didYouMean(device, devices.known);
    out.push({
      start: range[0],
      end: range[1],
      severity: 'warning',
      code: 'unknown-device',
      message:
        `No latency table for device '${device}' in this workspace (.supernet/devices/${device}.json)` +
        (guess
          ? `; did you mean '${guess}'?`
          : devices.known.length
            ? ` (known: ${devices.known.join(', ')}).`
            : '.') +
        ` A search needs its worker connected (\`supernet worker --queue URL --device ${device}\` on the device) or its table (\`supernet profile CONFIG --device ${device}\`).`,
      ...(guess && part === 'key'
        ? {
            data: {
              replacement: written.replace(`@${device}`, `@${guess}`),
              fixTitle: `Change to latency@${guess}`,
            },
          }
        : {}),
    });
  };
  const objectives = r.config.search?.objectives as Record<string, unknown> | undefined;
  for (const name of Object.keys(objectives ?? {})) {
    const device = deviceOf(name);
    if (device !== undefined) report(['search', 'objectives', name], 'key', device, name);
  }
  (r.config.search?.constraints ?? []).forEach((text, i) => {
    const c = parseConstraint(text);
    const device = typeof c === 'string' ? undefined : deviceOf(c.metric);
    if (device !== undefined) report(['search', 'constraints', i], 'value', device, text);
  });
  return out;
}
