import * as path from 'node:path';
import type { Arch } from '#shared/arch';
import { packageVersion } from '#shared/packageVersion';
import type { EngineEvent } from '#shared/protocol/engine';
import type { DeviceLatency } from '#shared/runFolder/records';
import type { SupernetConfig } from '../../config/configSchema';
import { largestArch, smallestArch } from '../../space/arch';
import { predictLatency, spaceFingerprint } from '../../space/deviceTable';
import { readDeviceProfile } from '../../datasets/deviceTables';
import type { SharedWeights } from '../model/sharedWeights';
import { encodeModel } from '../onnx/onnxGraph';
import { subnetOnnxModel } from '../onnx/subnetModel';
import { RunError } from '../runError';
import type { TimingSettings } from './deviceTasks';
import { QueueDevice } from './latencyDevice';

/** How a search times a subnet on a device: as latency on this machine is timed. */
export const SEARCH_TIMING: TimingSettings = { batch: 1, warmup: 5, runs: 30 };

/** Where the latency on one device comes from during a search. */
export interface DeviceLatencySource {
  readonly device: string;
  readonly kind: DeviceLatency['source'];
  /** For the search's start: `latency@pi5 timed by its worker at redis://…`. */
  readonly description: string;
  /** Each subnet's latency on the device, in order. */
  measure(archs: readonly Arch[], shouldStop?: () => boolean): Promise<DeviceLatency[]>;
  close(): Promise<void>;
}

/** The folder of device tables beside a runs folder (`.supernet/devices` next to `.supernet/runs`). */
export const devicesDirOf = (runsDir: string): string =>
  path.join(path.dirname(path.resolve(runsDir)), 'devices');

/** Timed whole on the device by its worker: the subnet's ONNX model, inherited weights. */
class TimedOnDevice implements DeviceLatencySource {
  readonly kind = 'device' as const;
  readonly description: string;
  constructor(
    private readonly queue: QueueDevice,
    private readonly net: SharedWeights,
  ) {
    this.description = `latency@${queue.device} timed by its worker at ${queue.where}`;
  }

  get device(): string {
    return this.queue.device;
  }

  async measure(archs: readonly Arch[], shouldStop?: () => boolean): Promise<DeviceLatency[]> {
    const models = archs.map((a) => encodeModel(subnetOnnxModel(this.net.supernetOf(a), a)));
    const timings = await this.queue.time(models, SEARCH_TIMING, shouldStop);
    return timings.map((t) => ({
      ms: t.medianMs,
      spreadMs: t.spreadMs,
      source: 'device',
      worker: t.worker,
    }));
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** Predicted from the device's latency table (the device is offline or has no queue). */
class PredictedFromTable implements DeviceLatencySource {
  readonly kind = 'table' as const;
  readonly description: string;
  constructor(
    readonly device: string,
    private readonly predict: (a: Arch) => number,
    file: string,
  ) {
    this.description = `latency@${device} predicted from its latency table ${file}`;
  }

  async measure(archs: readonly Arch[]): Promise<DeviceLatency[]> {
    return archs.map((a) => ({ ms: this.predict(a), source: 'table' }));
  }

  async close(): Promise<void> {}
}

export interface DeviceSourceOptions {
  /** The queue device workers listen on, when there is one. */
  deviceQueue?: string;
  devicesDir: string;
  config: SupernetConfig;
  net: SharedWeights;
  emit: (e: EngineEvent) => void;
}

/**
 * A source per device a search names: its worker when one is connected to the device
 * queue, else its latency table (said in a warning, and in each candidate's record), else
 * an error that says how to get either.
 */
export async function openDeviceSources(
  devices: readonly string[],
  o: DeviceSourceOptions,
): Promise<DeviceLatencySource[]> {
  const out: DeviceLatencySource[] = [];
  try {
    for (const device of devices) out.push(await openSource(device, o));
  } catch (e) {
    for (const s of out) await s.close();
    throw e;
  }
  return out;
}

async function openSource(device: string, o: DeviceSourceOptions): Promise<DeviceLatencySource> {
  const version = packageVersion() ?? 'unknown';
  let offline = '';
  if (o.deviceQueue) {
    const queue = await QueueDevice.open(o.deviceQueue, device, version, o.emit);
    if (await queue.online()) return new TimedOnDevice(queue, o.net);
    offline = `no worker of ${device} is connected at ${queue.where}`;
    await queue.close();
  }
  const table = tableSource(device, o);
  if (typeof table !== 'string') {
    o.emit({
      type: 'log',
      time: Date.now(),
      level: 'warning',
      message: `${offline || `no device queue (--device-queue) is given for ${device}`}: latency@${device} is predicted from its latency table (${table.description.replace(/^.* table /, '')}), and each candidate's record says so`,
    });
    return table;
  }
  throw new RunError(
    `The search needs latency@${device}, but ${offline || 'no device queue is given (--device-queue redis://HOST:PORT, or a queue --executor)'} ` +
      `and ${table}. Start \`supernet worker --queue URL --device ${device}\` on the device, or write its table with \`supernet profile CONFIG --device ${device}\`.`,
  );
}

/** The table source of a device, or why there is none for this space. */
function tableSource(device: string, o: DeviceSourceOptions): DeviceLatencySource | string {
  const profile = readDeviceProfile(o.devicesDir, device);
  if (profile === undefined)
    return `there is no latency table ${path.join(o.devicesDir, `${device}.json`)}`;
  if (typeof profile === 'string') return `its latency table is unusable (${profile})`;
  const { space, task } = o.config;
  const fingerprint = spaceFingerprint(space, task);
  const predict = (a: Arch): number => {
    const p = predictLatency(profile, space, task, a, fingerprint);
    if (typeof p === 'string') throw new RunError(p);
    return p.ms;
  };
  for (const a of [smallestArch(space, task), largestArch(space, task)]) {
    const p = predictLatency(profile, space, task, a, fingerprint);
    if (typeof p === 'string') return `its latency table does not cover this space (${p})`;
  }
  return new PredictedFromTable(device, predict, path.join(o.devicesDir, `${device}.json`));
}
