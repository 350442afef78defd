import { DEVICE_NAME } from './metrics';
import { int, literal, num, obj, optional, record, str, type Infer } from './schema/dsl';
import { parseWith } from './schema/validate';

/**
 * A device's latency table (`.supernet/devices/NAME.json`, written by `supernet profile`):
 * the median time of every distinct unit of the profiled spaces on the device (a stem, a
 * block at one input size, kernel, expand and width, a head; space/latencyUnits.ts), each
 * less the time of an empty model of the same input, and per space the fitted overhead a
 * whole model adds, with the table's quality measured against whole subnets timed there.
 * A subnet's predicted latency is the sum of its units' times plus that overhead.
 */
export const PROFILE_VERSION = 1;

const ms = (doc: string) => num(doc, { minimum: 0 });

export const unitTimingSchema = obj('One unit timed on the device.', {
  ms: num('Median ms of the unit alone, less an empty model of its input (may be 0).'),
  spreadMs: ms('Interquartile range of its timed runs.'),
});

export const profileQualitySchema = obj(
  'How well the table predicts whole subnets timed on the device (none of them used to fit it).',
  {
    subnets: int('Random subnets timed whole.', { minimum: 0 }),
    within10: num('Share predicted within ±10% of the measured time (nn-Meter’s figure).', {
      minimum: 0,
      maximum: 1,
    }),
    rmseMs: ms('Root-mean-square error, ms.'),
    mape: ms('Mean absolute percentage error, %.'),
    tau: num('Kendall τ between predicted and measured.', { minimum: -1, maximum: 1 }),
    measuredMs: obj('The measured times’ range.', { min: ms('Fastest.'), max: ms('Slowest.') }),
    macsBaseline: optional(
      obj(
        'The trivial baseline on the same subnets: latency as a line in MACs, fitted on the same whole timings as the table.',
        {
          within10: num('Its share within ±10%.', { minimum: 0, maximum: 1 }),
          mape: ms('Its MAPE, %.'),
          tau: num('Its Kendall τ (that of MACs themselves).', { minimum: -1, maximum: 1 }),
        },
      ),
    ),
    repeatability: optional(
      num(
        'Share of the subnets whose second whole timing is within ±10% of the first: the ceiling the measurement noise sets on `within10`.',
        { minimum: 0, maximum: 1 },
      ),
    ),
  },
);
export type ProfileQuality = Infer<typeof profileQualitySchema>;

export const profiledSpaceSchema = obj('A space whose units are in the table.', {
  name: str('The config’s name.'),
  overheadMs: num(
    'What a whole model adds to its units’ sum, fitted on subnets timed whole: the constant.',
  ),
  perUnitMs: num(
    'And per unit: what timing a unit alone adds beyond its share of a whole model (the call, binding its input and output), usually negative.',
    { default: 0 },
  ),
  unitScale: num(
    'What the units’ sum is multiplied by: 1, unless a scale predicted the subnets left out of the fit better (units timed alone can cost more than inside a whole model).',
    { default: 1 },
  ),
  fittedOn: int('Subnets the overhead was fitted on.', { minimum: 1 }),
  quality: optional(profileQualitySchema),
});
export type ProfiledSpace = Infer<typeof profiledSpaceSchema>;

export const deviceProfileSchema = obj('A device latency table.', {
  version: literal('Its format.', PROFILE_VERSION),
  device: str('The device.', { pattern: DEVICE_NAME }),
  time: str('When it was written (ISO 8601).'),
  facts: obj('What timed it.', {
    worker: str('The device worker (or this process) that timed it.'),
    host: str('Its host name.'),
    platform: str('OS and CPU architecture.'),
    cpu: str('The CPU model.'),
    threads: int('onnxruntime threads.', { minimum: 1 }),
    batch: int('Images per run.', { minimum: 1 }),
    runs: int('Timed runs per model.', { minimum: 1 }),
    onnxruntime: str('The onnxruntime-node version.'),
    supernetStudio: str('The Supernet Studio version.'),
  }),
  units: record('Each unit’s time, by unit key.', unitTimingSchema),
  spaces: record('By space fingerprint.', profiledSpaceSchema),
});
export type DeviceProfile = Infer<typeof deviceProfileSchema>;

/** A profile read from JSON text, or why it is not one. */
export function parseDeviceProfile(x: unknown): DeviceProfile | string {
  const got = parseWith(deviceProfileSchema, x, 'profile');
  return got.ok ? got.value : got.problem;
}
