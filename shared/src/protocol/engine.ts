import { parseExecutor } from '../executor';
import { DEVICE_NAME } from '../metrics';
import {
  bool,
  int,
  list,
  literal,
  num,
  obj,
  oneOf,
  optional,
  str,
  union,
  type Fields,
  type Infer,
} from '../schema/dsl';
import { isRecord, problemOf } from '../schema/validate';
import { calibrationSchema, precisionSchema } from '../exportPrecision';

/**
 * Messages between the engine process and whoever drives it (the CLI or the language
 * server, through one EngineProcess), both described in the schema language (types
 * inferred, every field checked on arrival). Engine → driver: `EngineEvent`s, one JSON
 * object a line in the run folder's logs and over IPC (engineEvents.ts). Driver → engine:
 * `EngineCommand`s over IPC (`commandProblem`).
 */

export * from './engineEvents';

/**
 * The fine-tune's defaults, chosen by measurement (README, "Fine-tuning a subnet"). LR and
 * distillation on three front subnets of the tiny example after its default epoch
 * (lab/finetune-defaults.mjs): over LR 0.005–0.08 × distillation on/off for 1 epoch, the
 * gain grew with the LR (+3.1 points at 0.005, +7.5 at 0.04, +8.0 at 0.08, labels only) and
 * labels alone beat distillation from the largest subnet at every LR in 0.6 of its time;
 * 0.04 stays below the supernet's own peak rate (0.05). The length on six front subnets of
 * each of ranking-ref (after its benchmark training) and the tiny example
 * (lab/finetune-gap.mjs): 1.5 epochs is the one length that recovers at least 75% of the
 * gap to 8 epochs of stand-alone training in at most a quarter of its time on both (83% in
 * 24%, 77% in 19%); 1 epoch recovers 68–70%, 2 take 27–30% of the time.
 */
export const FINETUNE_DEFAULTS = { epochs: 1.5, lr: 0.04, distillation: false } as const;

const command = <T extends string, F extends Fields>(type: T, doc: string, fields: F) =>
  obj(doc, { type: literal(doc, type), ...fields });
const positiveWhole = (doc: string) => int(doc, { minimum: 1 });
const runOf = {
  run: str('A run id, a run folder, or (search) a config file (then its newest trained run).'),
  runsDir: str('Folder holding the runs (`.supernet/runs`).'),
};
const executor = optional(
  str(
    '`local` (default) or `redis://HOST:PORT`: where the subnets are evaluated or trained alone.',
  ),
);

/** Every command a driver sends, by `type`. */
export const engineCommandSchema = union('A command to the engine.', 'type', {
  start: command('start', 'Start a new run of a config, or resume one.', {
    configPath: str('The config.'),
    runsDir: str('Folder holding the runs (`.supernet/runs`).'),
    steps: optional(
      num("Stop after this many steps in total (overrides the config's length).", { minimum: 1 }),
    ),
    resume: optional(str('Resume this run id instead of starting a new one.')),
    backend: optional(str('Backend override (`auto`, `wasm`, `pytorch`, …).')),
    pytorch: optional(
      obj('Overrides of the config’s `train.pytorch` (the CLI’s torchrun flags).', {
        nprocPerNode: optional(positiveWhole('Processes on this machine.')),
        nnodes: optional(positiveWhole('Machines.')),
        rdzv: optional(str('HOST:PORT where the nodes meet.')),
        device: optional(
          oneOf<'auto' | 'cpu' | 'cuda'>('Where to compute.', {
            auto: 'CUDA if any.',
            cpu: 'The CPU.',
            cuda: 'A GPU.',
          }),
        ),
        threads: optional(positiveWhole('Threads per process.')),
      }),
    ),
  }),
  cancel: command('cancel', 'Stop within one step, writing a checkpoint.', {}),
  status: command('status', 'Report state with a `status` event.', {}),
  search: command(
    'search',
    'Search a trained run (events go to `<run>/search-events.jsonl` too).',
    {
      ...runOf,
      algorithm: optional(oneOf('The algorithm.', { nsga2: 'NSGA-II.', random: 'Random search.' })),
      budget: optional(
        positiveWhole('Most subnets to evaluate (default population × generations).'),
      ),
      seed: optional(num('The seed.', { minimum: 0 })),
      population: optional(positiveWhole('Population size.')),
      generations: optional(positiveWhole('Generations.')),
      executor,
      deviceQueue: optional(
        str(
          "`redis://HOST:PORT` where the device workers of the config's `latency@NAME` metrics take timing tasks (default: the executor's queue, when it is one).",
        ),
      ),
      predictor: optional(
        oneOf('Override of `search.predictor`.', {
          none: 'Plain NSGA-II.',
          linas: 'Predictor-assisted NSGA-II.',
        }),
      ),
    },
  ),
  export: command('export', 'Export one subnet of a trained run as ONNX and verify it.', {
    ...runOf,
    key: optional(
      str("The subnet's arch key; or `bestUnder` picks the most accurate candidate meeting them."),
    ),
    bestUnder: optional(
      list('Constraints such as `flops <= 300k`, applied to candidates.jsonl.', str('One.')),
    ),
    file: optional(str('Output file (default `<run>/exports/<key>.onnx`).')),
    force: optional(
      bool('Replace an existing file that is not an earlier export (never a run’s state files).'),
    ),
    precision: optional(precisionSchema),
    calibration: optional(calibrationSchema),
    maxInt8DropPoints: optional(
      num(
        'int8 only: a drop in validation accuracy, in points, above which the export warns (any number; a negative one makes every export warn).',
      ),
    ),
    finetuned: optional(
      bool("Export the weights of the subnet's completed fine-tune, not the inherited ones."),
    ),
  }),
  finetune: command(
    'finetune',
    'Fine-tune one subnet of a trained run from its inherited weights (events also go to `<run>/finetune/<key>/events.jsonl`).',
    {
      ...runOf,
      key: str("The subnet's arch key."),
      epochs: optional(
        num('Epochs (fractions allowed; default FINETUNE_DEFAULTS.epochs).', {
          exclusiveMinimum: 0,
          maximum: 1000,
        }),
      ),
      lr: optional(
        num('Peak learning rate of the cosine schedule (default FINETUNE_DEFAULTS.lr).', {
          exclusiveMinimum: 0,
          maximum: 10,
        }),
      ),
      distillation: optional(
        bool(
          "Knowledge distillation from the supernet's largest subnet (default FINETUNE_DEFAULTS.distillation).",
        ),
      ),
    },
  ),
  probe: command(
    'probe',
    'Report the backend training would use (`supernet version`), then exit.',
    {
      backend: optional(str('Backend override.')),
    },
  ),
  rank: command('rank', "Train K subnets alone and compare their ranking with the supernet's.", {
    ...runOf,
    subnets: optional(int('Subnets to train alone (default 8).', { minimum: 2 })),
    epochs: optional(
      num('Epochs of each stand-alone training (default 1).', { exclusiveMinimum: 0 }),
    ),
    seed: optional(num('The seed.', { minimum: 0 })),
    executor,
  }),
  worker: command('worker', 'Become a queue worker (`supernet worker`) until cancelled.', {
    queue: str("The queue's Redis URL."),
    name: optional(
      str(
        "The worker's name in the registry and in candidates.jsonl (default `host:pid`): 1–64 letters, digits or . : @ - _.",
        {
          pattern: /^[\w.:@-]{1,64}$/,
        },
      ),
    ),
    threads: optional(
      positiveWhole('Threads each evaluation uses (default: the machine’s cores).'),
    ),
    backend: optional(str('Backend override for stand-alone training.')),
    device: optional(
      str(
        'Register as the latency device of this name: take only its timing tasks (ONNX models in the task), no evaluations.',
        { pattern: DEVICE_NAME },
      ),
    ),
    runs: optional(
      list(
        'The folders whose runs it serves (absolute): a job naming a run folder anywhere else is refused before anything of it is read. Default: the working folder’s .supernet/runs.',
        str('An absolute folder.', { pattern: /^\// }),
        { minItems: 1 },
      ),
    ),
  }),
  profile: command(
    'profile',
    'Time every distinct layer of a space on a device and write its latency table (`supernet profile`).',
    {
      ...runOf,
      device: str('The device: its table is `.supernet/devices/NAME.json`.', {
        pattern: DEVICE_NAME,
      }),
      queue: optional(
        str(
          'The Redis URL where the device worker takes timing tasks; without it the layers are timed in this process, which is then the device.',
        ),
      ),
      threads: optional(positiveWhole('In-process timing only: onnxruntime threads (default 1).')),
      subnets: optional(
        int('Random subnets timed whole to measure the table’s quality (default 50).', {
          minimum: 0,
          maximum: 10000,
        }),
      ),
      devicesDir: str('Folder of device tables (`.supernet/devices`).'),
    },
  ),
});

export type EngineCommand = Infer<typeof engineCommandSchema>;
type CommandOf<T extends EngineCommand['type']> = Extract<EngineCommand, { type: T }>;
export type StartCommand = CommandOf<'start'>;
export type CancelCommand = CommandOf<'cancel'>;
export type StatusCommand = CommandOf<'status'>;
export type SearchCommand = CommandOf<'search'>;
export type ExportCommand = CommandOf<'export'>;
export type FinetuneCommand = CommandOf<'finetune'>;
export type ProbeCommand = CommandOf<'probe'>;
export type RankCommand = CommandOf<'rank'>;
export type WorkerCommand = CommandOf<'worker'>;
export type ProfileCommand = CommandOf<'profile'>;

/** Why an `executor` or `queue` URL is not one, or undefined. */
function urlProblem(
  kind: string,
  field: string,
  x: string | undefined,
  queueOnly: boolean,
): string | undefined {
  if (x === undefined) return undefined;
  const spec = parseExecutor(x);
  if (typeof spec === 'string') return `${kind}: ${spec}`;
  if (queueOnly && spec.kind !== 'queue')
    return `${kind}: \`${field}\` must be a Redis URL (redis://HOST:PORT)`;
  return undefined;
}

/**
 * Checks a command on arrival; returns an error message, or undefined when valid: every field
 * against the schema, then what one field says of another.
 */
export function commandProblem(x: unknown): string | undefined {
  const variants = engineCommandSchema.variants as Record<string, unknown>;
  const kind =
    isRecord(x) && typeof x.type === 'string' && Object.hasOwn(variants, x.type)
      ? x.type
      : 'command';
  const problem = problemOf(engineCommandSchema, x, kind);
  if (problem) return problem;
  const c = x as EngineCommand;
  switch (c.type) {
    case 'search':
      return (
        urlProblem(c.type, 'executor', c.executor, false) ??
        urlProblem(c.type, 'deviceQueue', c.deviceQueue, true)
      );
    case 'rank':
      return urlProblem(c.type, 'executor', c.executor, false);
    case 'profile':
      return urlProblem('profile', 'queue', c.queue, true);
    case 'worker':
      return urlProblem('worker', 'queue', c.queue, true);
    case 'export':
      if ((c.key === undefined) === (c.bestUnder === undefined))
        return 'export needs exactly one of `key` and `bestUnder`';
      if (
        c.precision !== 'int8' &&
        (c.calibration !== undefined || c.maxInt8DropPoints !== undefined)
      )
        return 'export: `calibration` and `maxInt8DropPoints` need `precision` int8';
      return undefined;
    default:
      return undefined;
  }
}
