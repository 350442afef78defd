import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDeviceProfile, type DeviceProfile } from '#shared/deviceProfile';
import { DEVICE_NAME } from '#shared/metrics';
import { parseJsonText } from '#shared/runFolder/jsonl';
import { readRunTextSync } from '#shared/runFolder/safeRead';

/**
 * Device latency tables on disk (`.supernet/devices/NAME.json`): what `supernet profile`
 * writes, a search predicts from when a device is offline, and the editor reads for the
 * devices a config may name and the space's latency on each. Read bounded, no links,
 * checked against the schema: a table in a workspace is input like any other file.
 */

/** Where a workspace keeps its device tables, relative to its root. */
export const DEVICES_DIR = path.join('.supernet', 'devices');
const MAX_PROFILE_BYTES = 32 * 1024 * 1024;

export const profilePath = (devicesDir: string, device: string): string =>
  path.join(devicesDir, `${device}.json`);

/** A device's table from `devicesDir`, undefined when there is none, a string when it is broken. */
export function readDeviceProfile(
  devicesDir: string,
  device: string,
): DeviceProfile | string | undefined {
  const file = profilePath(devicesDir, device);
  if (!fs.existsSync(file)) return undefined;
  const x = parseJsonText(readRunTextSync(file, MAX_PROFILE_BYTES));
  if (x === undefined) return `${file} is not JSON (or not a regular file)`;
  const p = parseDeviceProfile(x);
  if (typeof p === 'string') return `${file}: ${p}`;
  if (p.device !== device) return `${file} is the table of ${p.device}, not ${device}`;
  return p;
}

/** The devices with a readable table in `devicesDir`, by name. */
export function readDeviceProfiles(devicesDir: string): Map<string, DeviceProfile> {
  const out = new Map<string, DeviceProfile>();
  let names: string[];
  try {
    names = fs.readdirSync(devicesDir);
  } catch {
    return out;
  }
  for (const f of names.sort()) {
    const device = f.replace(/\.json$/, '');
    if (device === f || !DEVICE_NAME.test(device)) continue;
    const p = readDeviceProfile(devicesDir, device);
    if (p && typeof p !== 'string') out.set(device, p);
  }
  return out;
}

/** The devices folder of the workspace a config is in: the nearest `.supernet/devices` above it. */
export function devicesDirAbove(configPath: string): string | undefined {
  let dir = path.dirname(path.resolve(configPath));
  for (;;) {
    const candidate = path.join(dir, DEVICES_DIR);
    if (fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const cached = new Map<string, { stamp: string; profiles: Map<string, DeviceProfile> }>();

/**
 * The tables of the workspace a config is in, read again only when a file of the folder
 * changed (names, sizes and times): the editor asks on every edit.
 */
export function workspaceDeviceProfiles(
  configPath: string | undefined,
): Map<string, DeviceProfile> {
  const dir = configPath ? devicesDirAbove(configPath) : undefined;
  if (!dir) return new Map();
  let stamp = '';
  try {
    for (const f of fs.readdirSync(dir).sort()) {
      const st = fs.statSync(path.join(dir, f));
      stamp += `${f}:${st.size}:${st.mtimeMs};`;
    }
  } catch {
    return new Map();
  }
  const hit = cached.get(dir);
  if (hit?.stamp === stamp) return hit.profiles;
  const profiles = readDeviceProfiles(dir);
  cached.set(dir, { stamp, profiles });
  return profiles;
}
