import * as path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { parseExecutor } from '#shared/executor';
import type { StartCommand } from '#shared/protocol/engine';
import {
  CALIBRATION_METHODS,
  type CalibrationMethod,
  type ExportCommand,
} from '#shared/protocol/engine';
import { RUN_FILES } from '#shared/runFolder/layout';
import { numbers, positiveNumber, runsDirOf, wholeNumber, type Parsed } from './args';
import { exportCli } from './export';
import { finetuneCli } from './finetune';
import { rankCli } from './rank';
import { searchCli } from './search';
import { trainCli } from './train';
import { trainNodeCli } from './trainNode';
import { validateCli } from './validate';
import { versionCli } from './version';
import { workerCli } from './worker';
import { profileCli } from './profile';
import { DEVICE_NAME } from '#shared/metrics';
import { DEVICES_DIR } from '../datasets/deviceTables';

export type { Parsed };

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Rewrites the terminal's current line; absent when stderr is not a terminal. */
  status?: (s: string) => void;
}

/** A wrong command line: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

export interface CliCommand {
  options: ParseArgsConfig['options'];
  run: (p: Parsed, io: CliIo) => Promise<number> | number;
}

export const USAGE = `usage: supernet <command> [options]

commands:
  validate FILE... [--json]      check *.supernet.yaml files; exit 1 when any has an error
  train FILE [--steps N] [--runs DIR] [--backend B] [--json]
        [--nproc-per-node N] [--nnodes M --rdzv HOST:PORT] [--device auto|cpu|cuda]
                                 train the supernet of a config in a background engine process;
                                 with --backend pytorch, on PyTorch: N processes on this machine
                                 (torchrun, DistributedDataParallel), M machines meeting at
                                 HOST:PORT (this one is node 0)
  train-node --rdzv HOST:PORT --nnodes M --node-rank K [--nproc-per-node N]
             [--device auto|cpu|cuda] [--threads T]
                                 on machine K (1…M−1) of a pytorch run: start its processes,
                                 which take their share of each step from node 0's
  train --resume RUN_ID [--steps N] [--runs DIR] [--json]
                                 continue a stopped or interrupted run from its last checkpoint
                                 (a completed one only with --steps beyond its total)
  search RUN_OR_CONFIG [--budget N] [--algorithm nsga2|random] [--seed S]
         [--population P] [--executor local|redis://HOST:PORT] [--runs DIR] [--json]
         [--device-queue redis://HOST:PORT] [--predictor none|linas]
                                 search a trained run for its Pareto front (${RUN_FILES.pareto},
                                 ${RUN_FILES.candidates} in the run folder)
  export RUN ARCH_KEY [--finetuned] [-o FILE.onnx [--force]] [--runs DIR] [--json]
  export RUN --best-under flops=300k[,params=50k] [-o FILE]
         [--int8 [--calibration percentile|minmax] [--max-drop POINTS]]
                                 write one subnet as ONNX (+ .json sidecar), verified in
                                 onnxruntime-node against the supernet (--finetuned: the
                                 weights of its completed fine-tune); --int8: quantised
                                 (static, QDQ), measured against float32 (accuracy, latency,
                                 size), a warning when it loses more than POINTS (1) points
  finetune RUN ARCH_KEY [--epochs E] [--lr LR] [--distill|--no-distill] [--runs DIR] [--json]
                                 train one subnet from its inherited weights (--distill: with
                                 the supernet's largest subnet as a frozen teacher); resumes a
                                 stopped fine-tune (RUN/finetune/ARCH_KEY/)
  rank RUN [--subnets K] [--epochs E] [--seed S] [--executor E] [--runs DIR] [--json]
                                 train K subnets from scratch and report Kendall tau and
                                 Spearman rho against their supernet accuracy
  worker --queue redis://HOST:PORT [--runs DIR[:DIR…]] [--name N] [--threads T]
         [--backend B] [--json]
                                 take search and ranking jobs from a queue until Ctrl-C
                                 (runs and data must be on a path shared with the searcher;
                                 jobs naming a run outside the --runs folders are refused)
  worker --queue redis://HOST:PORT --device NAME [--threads T] [--name N] [--json]
                                 on the device you deploy to: time the models that searches
                                 and profiles send for latency@NAME (ONNX in the task; no
                                 run folder needed), T onnxruntime threads (default 1)
  profile RUN_OR_CONFIG --device NAME [--queue redis://HOST:PORT] [--threads T]
          [--subnets N] [--json]
                                 time every distinct layer of the space on the device (its
                                 worker on --queue, else this process) and write its latency
                                 table .supernet/devices/NAME.json, with its error on N (50)
                                 random subnets timed whole
  version                        the version and the backend training would use

options:
  --json        machine-readable output (validate: one JSON array; jobs: one event a line)
  --runs DIR    folder of the runs (default .supernet/runs)
  --steps N     stop after N steps in total
  --backend B   auto | tensorflow-gpu | tensorflow | wasm | cpu | pytorch (default: the config's)
  --executor E  local (default) | redis://HOST:PORT: evaluate on queue workers
  -h, --help    this text
  -v, --version the version`;

const json = { type: 'boolean' } as const;
const str = { type: 'string' } as const;

/** The torchrun flags of `train` and `train-node`. */
const torchOptions = {
  'nproc-per-node': str,
  nnodes: str,
  rdzv: str,
  device: str,
  threads: str,
} as const;

/** The torchrun flags given, checked, as the start command's `pytorch`, or the usage error. */
function torchFlags(p: Parsed): NonNullable<StartCommand['pytorch']> | string {
  const n = numbers({
    nprocPerNode: wholeNumber(p, 'nproc-per-node', 1),
    nnodes: wholeNumber(p, 'nnodes', 1),
    threads: wholeNumber(p, 'threads', 1),
  });
  if (typeof n === 'string') return n;
  const { rdzv, device } = p.values;
  if (rdzv !== undefined && (typeof rdzv !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(rdzv)))
    return '--rdzv takes HOST:PORT';
  if (device !== undefined && !['auto', 'cpu', 'cuda'].includes(String(device)))
    return '--device takes auto, cpu or cuda';
  if ((n.nnodes ?? 1) > 1 && rdzv === undefined)
    return '--nnodes above 1 needs --rdzv HOST:PORT, where the nodes meet';
  return {
    ...n,
    ...(typeof rdzv === 'string' ? { rdzv } : {}),
    ...(device ? { device: device as 'auto' | 'cpu' | 'cuda' } : {}),
  };
}

/** Throws a usage error when `x` is one (a string from the argument checks). */
function ok<T>(x: T | string): T {
  if (typeof x === 'string') throw new UsageError(x);
  return x;
}

/** `--executor` when given, checked. */
function executorOf(p: Parsed): { executor?: string } {
  const v = p.values.executor;
  if (v === undefined) return {};
  const spec = parseExecutor(String(v));
  if (typeof spec === 'string') throw new UsageError(`--executor: ${spec}`);
  return spec.kind === 'local' ? {} : { executor: spec.url };
}

/** A Redis URL option when given, checked, under the command's field name. */
function queueOf<F extends string>(
  p: Parsed,
  option: string,
  field: F,
): Partial<Record<F, string>> {
  const v = p.values[option];
  if (v === undefined) return {};
  const spec = parseExecutor(String(v));
  if (typeof spec === 'string' || spec.kind !== 'queue')
    throw new UsageError(
      `--${option}: ${typeof spec === 'string' ? spec : 'a Redis URL (redis://HOST:PORT)'}`,
    );
  return { [field]: spec.url } as Partial<Record<F, string>>;
}

/** `--int8` and its options, checked (they mean nothing without it). */
function int8Options(p: Parsed): Partial<ExportCommand> {
  const calibration = p.values.calibration;
  if (calibration !== undefined && !CALIBRATION_METHODS.includes(calibration as CalibrationMethod))
    throw new UsageError(`--calibration is ${CALIBRATION_METHODS.join(' or ')}`);
  const drop = p.values['max-drop'];
  const points = Number(drop);
  if (
    drop !== undefined &&
    (typeof drop !== 'string' || drop.trim() === '' || !Number.isFinite(points))
  )
    throw new UsageError('--max-drop takes a number of percentage points');
  return {
    precision: 'int8',
    ...(calibration !== undefined ? { calibration: calibration as CalibrationMethod } : {}),
    ...(drop !== undefined ? { maxInt8DropPoints: points } : {}),
  };
}

/** The stderr status line of a terminal, when there is one. */
const statusOf = (io: CliIo) => (io.status ? { status: io.status } : {});

/** Every command of the CLI, by name. */
export const COMMANDS: Record<string, CliCommand> = {
  validate: {
    options: { json },
    run(p, io) {
      if (!p.positionals.length) throw new UsageError('name at least one file');
      return validateCli(p.positionals, p.values.json === true, io);
    },
  },
  train: {
    options: { json, steps: str, runs: str, resume: str, backend: str, ...torchOptions },
    run(p, io) {
      const resume = p.values.resume as string | undefined;
      if (!resume && p.positionals.length !== 1)
        throw new UsageError('name one config file (or --resume RUN_ID)');
      const steps = ok(wholeNumber(p, 'steps', 1));
      const pytorch = ok(torchFlags(p));
      return trainCli({
        configPath: path.resolve(p.positionals[0] ?? ''),
        runsDir: runsDirOf(p),
        ...(steps ? { steps } : {}),
        ...(resume ? { resume } : {}),
        ...(typeof p.values.backend === 'string' ? { backend: p.values.backend } : {}),
        ...(Object.keys(pytorch).length ? { pytorch } : {}),
        json: p.values.json === true,
        out: io.out,
        err: io.err,
        ...statusOf(io),
      });
    },
  },
  search: {
    options: {
      json,
      runs: str,
      budget: str,
      algorithm: str,
      seed: str,
      population: str,
      generations: str,
      executor: str,
      'device-queue': str,
      predictor: str,
    },
    run(p, io) {
      if (p.positionals.length !== 1) throw new UsageError('name one run or config');
      const predictor = p.values.predictor;
      if (predictor !== undefined && predictor !== 'none' && predictor !== 'linas')
        throw new UsageError('--predictor is none or linas');
      const ints = ok(
        numbers({
          budget: wholeNumber(p, 'budget', 1),
          seed: wholeNumber(p, 'seed', 0),
          population: wholeNumber(p, 'population', 1),
          generations: wholeNumber(p, 'generations', 1),
        }),
      );
      const algorithm = p.values.algorithm;
      if (algorithm !== undefined && algorithm !== 'nsga2' && algorithm !== 'random')
        throw new UsageError('--algorithm is nsga2 or random');
      return searchCli({
        command: {
          type: 'search',
          run: p.positionals[0],
          runsDir: runsDirOf(p),
          ...(algorithm ? { algorithm } : {}),
          ...ints,
          ...executorOf(p),
          ...queueOf(p, 'device-queue', 'deviceQueue'),
          ...(predictor ? { predictor } : {}),
        },
        json: p.values.json === true,
        out: io.out,
        err: io.err,
        ...statusOf(io),
      });
    },
  },
  profile: {
    options: { json, runs: str, device: str, queue: str, threads: str, subnets: str },
    run(p, io) {
      if (p.positionals.length !== 1) throw new UsageError('name one run or config');
      const device = p.values.device;
      if (typeof device !== 'string' || !DEVICE_NAME.test(device))
        throw new UsageError(
          '--device NAME: letters, digits, . _ - (the name configs use in latency@NAME)',
        );
      const n = ok(
        numbers({ threads: wholeNumber(p, 'threads', 1), subnets: wholeNumber(p, 'subnets', 0) }),
      );
      return profileCli({
        command: {
          type: 'profile',
          run: p.positionals[0],
          runsDir: runsDirOf(p),
          device,
          devicesDir: path.resolve(DEVICES_DIR),
          ...queueOf(p, 'queue', 'queue'),
          ...n,
        },
        json: p.values.json === true,
        out: io.out,
        err: io.err,
        ...statusOf(io),
      });
    },
  },
  export: {
    options: {
      json,
      runs: str,
      force: { type: 'boolean' },
      'best-under': str,
      output: { type: 'string', short: 'o' },
      int8: { type: 'boolean' },
      calibration: str,
      'max-drop': str,
      finetuned: { type: 'boolean' },
    },
    run(p, io) {
      const bestUnder = p.values['best-under'] as string | undefined;
      if (p.positionals.length !== (bestUnder ? 1 : 2))
        throw new UsageError('name a run and a subnet key, or a run and --best-under');
      const file = p.values.output as string | undefined;
      if (p.values.int8 !== true && (p.values.calibration ?? p.values['max-drop']) !== undefined)
        throw new UsageError('--calibration and --max-drop go with --int8');
      const int8 = p.values.int8 === true ? int8Options(p) : {};
      return exportCli({
        command: {
          type: 'export',
          run: p.positionals[0],
          runsDir: runsDirOf(p),
          ...(bestUnder
            ? { bestUnder: bestUnder.split(',').map((s) => s.trim()) }
            : { key: p.positionals[1] }),
          ...(file ? { file: path.resolve(file) } : {}),
          ...(p.values.force === true ? { force: true } : {}),
          ...int8,
          ...(p.values.finetuned === true ? { finetuned: true } : {}),
        },
        json: p.values.json === true,
        out: io.out,
        err: io.err,
      });
    },
  },
  finetune: {
    options: {
      json,
      runs: str,
      epochs: str,
      lr: str,
      distill: { type: 'boolean' },
      'no-distill': { type: 'boolean' },
    },
    run(p, io) {
      if (p.positionals.length !== 2) throw new UsageError('name a run and a subnet key');
      if (p.values.distill === true && p.values['no-distill'] === true)
        throw new UsageError('--distill and --no-distill contradict each other');
      const n = ok(numbers({ epochs: positiveNumber(p, 'epochs'), lr: positiveNumber(p, 'lr') }));
      return finetuneCli({
        command: {
          type: 'finetune',
          run: p.positionals[0],
          runsDir: runsDirOf(p),
          key: p.positionals[1],
          ...n,
          ...(p.values['no-distill'] === true ? { distillation: false } : {}),
          ...(p.values.distill === true ? { distillation: true } : {}),
        },
        json: p.values.json === true,
        out: io.out,
        err: io.err,
        ...statusOf(io),
      });
    },
  },
  rank: {
    options: { json, runs: str, subnets: str, epochs: str, seed: str, executor: str },
    run(p, io) {
      if (p.positionals.length !== 1) throw new UsageError('name one run or config');
      const n = ok(
        numbers({
          subnets: wholeNumber(p, 'subnets', 2),
          epochs: positiveNumber(p, 'epochs'),
          seed: wholeNumber(p, 'seed', 0),
        }),
      );
      return rankCli({
        command: {
          type: 'rank',
          run: p.positionals[0],
          runsDir: runsDirOf(p),
          ...n,
          ...executorOf(p),
        },
        json: p.values.json === true,
        out: io.out,
        err: io.err,
        ...statusOf(io),
      });
    },
  },
  'train-node': {
    options: { ...torchOptions, 'node-rank': str },
    run(p, io) {
      if (p.positionals.length) throw new UsageError('train-node takes no arguments, only options');
      const flags = ok(torchFlags(p));
      const nodeRank = ok(wholeNumber(p, 'node-rank', 1));
      if (!flags.rdzv || !flags.nnodes || nodeRank === undefined)
        throw new UsageError(
          "name the run's rendezvous, its nodes and this one: --rdzv HOST:PORT --nnodes M --node-rank K",
        );
      if (nodeRank >= flags.nnodes)
        throw new UsageError(
          `--node-rank ${nodeRank}: the nodes of ${flags.nnodes} are 1…${flags.nnodes - 1} (node 0 runs the engine)`,
        );
      return trainNodeCli({ ...flags, rdzv: flags.rdzv, nnodes: flags.nnodes, nodeRank }, io);
    },
  },
  worker: {
    options: { json, queue: str, name: str, threads: str, backend: str, runs: str, device: str },
    run(p, io) {
      if (p.positionals.length) throw new UsageError('worker takes no arguments, only --queue URL');
      const queue = p.values.queue;
      if (typeof queue !== 'string')
        throw new UsageError('name the queue: --queue redis://HOST:PORT');
      const spec = parseExecutor(queue);
      if (typeof spec === 'string' || spec.kind !== 'queue')
        throw new UsageError(
          `--queue: ${typeof spec === 'string' ? spec : 'a Redis URL (redis://HOST:PORT)'}`,
        );
      const threads = ok(wholeNumber(p, 'threads', 1));
      const name = p.values.name;
      if (name !== undefined && !/^[\w.:@-]{1,64}$/.test(String(name)))
        throw new UsageError('--name: 1–64 letters, digits or . : @ - _');
      const device = p.values.device;
      if (device !== undefined && (typeof device !== 'string' || !DEVICE_NAME.test(device)))
        throw new UsageError('--device NAME: letters, digits, . _ - (as in latency@NAME)');
      return workerCli({
        command: {
          type: 'worker',
          queue: spec.url,
          ...(typeof name === 'string' ? { name } : {}),
          ...(threads ? { threads } : {}),
          ...(typeof p.values.backend === 'string' ? { backend: p.values.backend } : {}),
          ...(typeof device === 'string' ? { device } : {}),
          // The run folders it serves: --runs A:B (path-list separated), else .supernet/runs.
          runs:
            typeof p.values.runs === 'string'
              ? p.values.runs
                  .split(path.delimiter)
                  .filter(Boolean)
                  .map((r) => path.resolve(r))
              : [runsDirOf(p)],
        },
        json: p.values.json === true,
        out: io.out,
        err: io.err,
      });
    },
  },
  version: {
    options: { json },
    run: (p, io) => versionCli(p.values.json === true, io),
  },
};
