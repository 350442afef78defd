import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, hostname, platform, arch as cpuArch } from 'node:os';
import * as path from 'node:path';
import { archKey, type Arch } from '#shared/arch';
import { PROFILE_VERSION, type DeviceProfile, type ProfileQuality } from '#shared/deviceProfile';
import { packageVersion } from '#shared/packageVersion';
import type { EngineEvent, ProfileCommand } from '#shared/protocol/engine';
import { atomicWrite } from '#shared/runFolder/durable';
import { Rng } from '#shared/rng';
import type { SupernetConfig } from '../../config/configSchema';
import { predictLatency, spaceFingerprint } from '../../space/deviceTable';
import { profilePath, readDeviceProfile } from '../../datasets/deviceTables';
import { archUnits, spaceUnits, type LatencyUnit } from '../../space/latencyUnits';
import { subnetCost } from '../../space/facts';
import { randomArch } from '../../space/randomArch';
import * as ort from '../onnx/runtime';
import { checkedConfig } from './runConfig';
import { predictionQuality } from '../search/linas';
import { fitRidge } from '../search/ridgeEnsemble';
import { RunFolder } from '../storage/runFolder';
import type { TimingSettings } from '../devices/deviceTasks';
import { LocalDevice, QueueDevice, type LatencyDevice } from '../devices/latencyDevice';
import { emptyModel, inputKey, unitModel, wholeModel } from '../devices/unitModels';

/** How a table's models are timed: enough runs that a 50 µs unit has a steady median. */
export const PROFILE_SETTINGS: TimingSettings = { batch: 1, warmup: 20, runs: 100 };
/** Subnets timed whole to fit the table's scale and overhead; never the ones its quality is measured on. */
const FIT_SUBNETS = 30;
const DEFAULT_QUALITY_SUBNETS = 50;

export interface ProfileRunOptions {
  emit: (e: EngineEvent) => void;
  shouldStop?: () => boolean;
}

/** The config a profile is of: a config file's, or a run's own copy. */
function configOf(cmd: ProfileCommand): { config: SupernetConfig; name: string } {
  const asPath = path.resolve(cmd.run);
  if (existsSync(asPath) && /\.supernet\.ya?ml$/.test(asPath))
    return {
      config: checkedConfig(asPath, readFileSync(asPath, 'utf8')),
      name: path.basename(asPath),
    };
  const folder = RunFolder.open(cmd.runsDir, cmd.run);
  const configPath = folder.readMeta()?.configPath ?? folder.configFile;
  const config = checkedConfig(
    configPath,
    readFileSync(folder.configFile, 'utf8'),
    folder.configFile,
  );
  return { config, name: path.basename(configPath) };
}

/** Distinct random subnets of the space, `n` of them at most, none of `not`. */
function randomArchs(config: SupernetConfig, n: number, seed: number, not: Set<string>): Arch[] {
  const rng = new Rng(seed);
  const out = new Map<string, Arch>();
  for (let tries = 0; out.size < n && tries < 50 * n; tries++) {
    const a = randomArch(config.space, config.task, rng);
    const k = archKey(a);
    if (!not.has(k)) out.set(k, a);
  }
  return [...out.values()];
}

/** How a whole subnet's time is predicted from its units: scale × their sum + constant + perUnit × their count. */
export interface TableFit {
  scale: number;
  constant: number;
  perUnit: number;
}

/**
 * The fit of whole subnets' times (`measured`) from their units' sums and counts: of three
 * models — the sum plus a constant (the median excess), the sum plus a line in the count,
 * and a least-squares scale of the sum plus that line — the one whose predictions of
 * subnets left out of the fit (leave-one-out) are closest. A unit timed alone can cost
 * more or less than inside a whole model (its input and output bound, dispatch, caches),
 * and how much depends on the device and the model's size: on the tiny example's 20–40 µs
 * models the units' sum was 3× what they cost whole, on the bench net's about right.
 */
export function tableFit(
  sums: readonly number[],
  counts: readonly number[],
  measured: readonly number[],
): TableFit {
  const models: ((i: readonly number[]) => TableFit)[] = [
    (i) => ({ scale: 1, constant: median(i.map((k) => measured[k] - sums[k])), perUnit: 0 }),
    (i) => {
      const f = lineFit(
        i.map((k) => counts[k]),
        i.map((k) => measured[k] - sums[k]),
      );
      return { scale: 1, constant: f.constant, perUnit: f.slope };
    },
    (i) => {
      const m = fitRidge(
        i.map((k) => Float64Array.of(sums[k], counts[k])),
        i.map((k) => measured[k]),
        1e-12,
      );
      return { scale: m.weights[0], constant: m.intercept, perUnit: m.weights[1] };
    },
  ];
  const all = measured.map((_, k) => k);
  const predict = (f: TableFit, k: number) =>
    f.scale * sums[k] + f.constant + f.perUnit * counts[k];
  const looError = (model: (i: readonly number[]) => TableFit) =>
    all.reduce(
      (e, k) =>
        e + Math.abs(predict(model(all.filter((j) => j !== k)), k) - measured[k]) / measured[k],
      0,
    );
  // The simplest model unless a richer one predicts left-out subnets better.
  const usable = measured.length > 4 ? models : models.slice(0, 1);
  // A richer model must do better by more than rounding to be chosen.
  const best = usable.reduce((a, m) => (looError(m) < looError(a) - 1e-9 ? m : a));
  return best(all);
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Least squares y ≈ constant + slope·x; with x all equal (a space of fixed depth) the
 * slope is 0 and the constant the mean.
 */
export function lineFit(
  x: readonly number[],
  y: readonly number[],
): { constant: number; slope: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { constant: my - slope * mx, slope };
}

/**
 * How well a table's predictions match whole subnets' measured times: nn-Meter's ±10%
 * share and the RMSE here, τ and MAPE as a LINAS search judges its predictor.
 */
export function tableQuality(
  predicted: readonly number[],
  measured: readonly number[],
): ProfileQuality {
  const n = measured.length;
  const errors = measured.map((m, i) => predicted[i] - m);
  const { tau, mape } = predictionQuality(predicted, measured);
  return {
    subnets: n,
    within10: n ? errors.filter((e, i) => Math.abs(e) <= 0.1 * measured[i]).length / n : 0,
    rmseMs: n ? Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / n) : 0,
    mape: n ? mape : 0,
    tau: n > 1 ? tau : 0,
    measuredMs: { min: n ? Math.min(...measured) : 0, max: n ? Math.max(...measured) : 0 },
  };
}

/**
 * What a table must beat: latency as a line in MACs, fitted on the same whole subnets as
 * the table, judged on the same check subnets.
 */
function macsBaseline(
  config: SupernetConfig,
  fit: readonly Arch[],
  whole: readonly { medianMs: number }[],
  check: readonly Arch[],
  measured: readonly number[],
): { within10: number; mape: number; tau: number } {
  const macs = (a: Arch) => subnetCost(config.space, config.task, a).flops;
  const line = lineFit(
    fit.map(macs),
    fit.map((_, i) => whole[i].medianMs),
  );
  const q = tableQuality(
    check.map((a) => line.constant + line.slope * macs(a)),
    measured,
  );
  return { within10: q.within10, mape: q.mape, tau: q.tau };
}

/**
 * `supernet profile`: times every distinct unit of a space on a device (its worker through
 * a queue, or this process), each less the time of an empty model of its input; fits the
 * overhead a whole model adds on subnets timed whole; measures the table's quality on
 * other random subnets timed whole; and writes the table, keeping the units of spaces
 * profiled before when the device was timed the same way.
 */
export async function profileRun(
  cmd: ProfileCommand,
  o: ProfileRunOptions,
): Promise<DeviceProfile> {
  const t0 = Date.now();
  const version = packageVersion() ?? 'unknown';
  let device: LatencyDevice | undefined;
  try {
    const { config, name } = configOf(cmd);
    device = cmd.queue
      ? await QueueDevice.open(cmd.queue, cmd.device, version, o.emit)
      : new LocalDevice(cmd.device, cmd.threads ?? 1);
    const log = (message: string) =>
      o.emit({ type: 'log', time: Date.now(), level: 'info', message });
    const units = spaceUnits(config.space, config.task);
    log(`timing ${units.length} units of ${name} on ${cmd.device} (${device.where})`);
    const timed = await timeUnits(device, units, o.shouldStop);
    const fit = randomArchs(config, FIT_SUBNETS, 7, new Set());
    const check = randomArchs(
      config,
      cmd.subnets ?? DEFAULT_QUALITY_SUBNETS,
      8,
      new Set(fit.map(archKey)),
    );
    log(
      `timing ${fit.length + check.length} whole subnets on ${cmd.device}: ${fit.length} to fit the overhead, ${check.length} to check the table`,
    );
    const whole = await device.time(
      [...fit, ...check].map((a) => wholeModel(config.space, config.task, a)),
      PROFILE_SETTINGS,
      o.shouldStop,
    );
    const profile = mergedProfile(
      cmd,
      timed.units,
      factsOf(timed.worker, timed.threads, version),
      o,
    );
    const fingerprint = spaceFingerprint(config.space, config.task);
    const predict = fittedPrediction(profile, config, fingerprint, fit, whole);
    profile.spaces[fingerprint] = { name, ...predict.overhead, fittedOn: fit.length };
    const measured = check.map((_, i) => whole[fit.length + i].medianMs);
    // The same subnets timed again: how far the measurement itself moves.
    const again = check.length
      ? await device.time(
          check.map((a) => wholeModel(config.space, config.task, a)),
          PROFILE_SETTINGS,
          o.shouldStop,
        )
      : [];
    const quality = check.length
      ? {
          ...tableQuality(check.map(predict.ms), measured),
          macsBaseline: macsBaseline(config, fit, whole, check, measured),
          repeatability:
            again.filter((t, i) => Math.abs(t.medianMs - measured[i]) <= 0.1 * measured[i]).length /
            again.length,
        }
      : undefined;
    if (quality) profile.spaces[fingerprint].quality = quality;
    mkdirSync(cmd.devicesDir, { recursive: true });
    const file = profilePath(cmd.devicesDir, cmd.device);
    atomicWrite(file, JSON.stringify(profile, null, 1) + '\n');
    o.emit({
      type: 'profile-end',
      time: Date.now(),
      status: 'completed',
      device: cmd.device,
      file,
      where: device.where,
      units: units.length,
      overheadMs: predict.overhead.overheadMs,
      ...(quality ? { quality } : {}),
      seconds: (Date.now() - t0) / 1000,
    });
    return profile;
  } catch (e) {
    o.emit(failedProfileEnd(cmd.device, (e as Error).message, (Date.now() - t0) / 1000));
    throw e;
  } finally {
    await device?.close();
  }
}

/** Each unit's time less an empty model of its input (one per distinct input), and who timed them. */
async function timeUnits(
  device: LatencyDevice,
  units: readonly LatencyUnit[],
  shouldStop?: () => boolean,
): Promise<{ units: DeviceProfile['units']; worker: string; threads: number }> {
  const inputs = new Map(units.map((u) => [inputKey(u.input), u.input]));
  const times = await device.time(
    [...units.map((u) => unitModel(u)), ...[...inputs.values()].map(emptyModel)],
    PROFILE_SETTINGS,
    shouldStop,
  );
  const empty = new Map([...inputs.keys()].map((k, i) => [k, times[units.length + i].medianMs]));
  const out: DeviceProfile['units'] = {};
  units.forEach((u, i) => {
    out[u.key] = {
      ms: times[i].medianMs - (empty.get(inputKey(u.input)) as number),
      spreadMs: times[i].spreadMs,
    };
  });
  return { units: out, worker: times[0]?.worker ?? 'unknown', threads: times[0]?.threads ?? 1 };
}

const factsOf = (worker: string, threads: number, version: string): DeviceProfile['facts'] => ({
  worker,
  host: hostname(),
  platform: `${platform()}-${cpuArch()}`,
  cpu: cpus()[0]?.model ?? 'unknown',
  threads,
  batch: PROFILE_SETTINGS.batch,
  runs: PROFILE_SETTINGS.runs,
  onnxruntime: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown',
  supernetStudio: version,
});

/** The overhead fitted on the `fit` subnets' whole timings, and the prediction it makes. */
function fittedPrediction(
  profile: DeviceProfile,
  config: SupernetConfig,
  fingerprint: string,
  fit: readonly Arch[],
  whole: readonly { medianMs: number }[],
): {
  overhead: { overheadMs: number; perUnitMs: number; unitScale: number };
  ms: (a: Arch) => number;
} {
  const sumOf = (a: Arch) => {
    const p = predictLatency({ ...profile, spaces: {} }, config.space, config.task, a, fingerprint);
    if (typeof p === 'string') throw new Error(p);
    return p.units.reduce((x, u) => x + u.ms, 0);
  };
  const unitsOf = (a: Arch) => archUnits(config.space, config.task, a).length;
  const f = tableFit(
    fit.map(sumOf),
    fit.map(unitsOf),
    fit.map((_, i) => whole[i].medianMs),
  );
  return {
    overhead: { overheadMs: f.constant, perUnitMs: f.perUnit, unitScale: f.scale },
    ms: (a) => f.scale * sumOf(a) + f.constant + f.perUnit * unitsOf(a),
  };
}

/**
 * The device's table with this space's units in it: the units of spaces profiled before are
 * kept when the device was timed the same way (worker, threads, batch, onnxruntime), and
 * dropped, with a note, when not: times of two settings do not add up.
 */
function mergedProfile(
  cmd: ProfileCommand,
  units: DeviceProfile['units'],
  facts: DeviceProfile['facts'],
  o: ProfileRunOptions,
): DeviceProfile {
  const before = readDeviceProfile(cmd.devicesDir, cmd.device);
  const same =
    before !== undefined &&
    typeof before !== 'string' &&
    before.facts.threads === facts.threads &&
    before.facts.batch === facts.batch &&
    before.facts.onnxruntime === facts.onnxruntime &&
    before.facts.host === facts.host;
  if (before !== undefined && !same)
    o.emit({
      type: 'log',
      time: Date.now(),
      level: 'warning',
      message: `${profilePath(cmd.devicesDir, cmd.device)} was ${typeof before === 'string' ? `unreadable (${before})` : 'timed another way (host, threads, batch or onnxruntime differ)'}: replaced by this space's table`,
    });
  const kept = same ? before : undefined;
  return {
    version: PROFILE_VERSION,
    device: cmd.device,
    time: new Date().toISOString(),
    facts,
    units: { ...(kept?.units ?? {}), ...units },
    spaces: { ...(kept?.spaces ?? {}) },
  };
}

export const failedProfileEnd = (
  device: string,
  message: string,
  seconds: number,
): EngineEvent => ({
  type: 'profile-end',
  time: Date.now(),
  status: 'failed',
  device,
  where: '',
  units: 0,
  overheadMs: 0,
  seconds,
  message,
});
