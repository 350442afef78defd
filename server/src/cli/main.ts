import * as path from 'node:path';
import { parseArgs } from './args';
import { exportCli } from './export';
import { searchCli } from './search';
import { trainCli } from './train';
import { formatRecord, validateFiles } from './validate';

export { buildJsonSchemaText } from '../config/jsonSchema';

const USAGE = `usage: supernet <command> [options]

commands:
  validate FILE... [--json]      check *.supernet.yaml files; exit 1 when any has an error
  train FILE [--steps N] [--runs DIR] [--backend B] [--json]
                                 train the supernet of a config in a background engine process
  train --resume RUN_ID [--runs DIR] [--json]
                                 continue a stopped or killed run from its last checkpoint
  search RUN_OR_CONFIG [--budget N] [--algorithm nsga2|random] [--seed S]
         [--population P] [--runs DIR] [--json]
                                 search a trained run for its Pareto front (pareto.json,
                                 candidates.jsonl in the run folder)
  export RUN ARCH_KEY [-o FILE] [--runs DIR] [--json]
  export RUN --best-under flops=300k[,params=50k] [-o FILE]
                                 write one subnet as ONNX (+ .json sidecar), verified in
                                 onnxruntime-node against the supernet
  rank RUN [--subnets K] [--epochs E] [--seed S] [--runs DIR] [--json]
                                 train K subnets from scratch and report Kendall tau and
                                 Spearman rho against their supernet accuracy

options:
  --json        machine-readable output (validate: one JSON array; train: one event a line)
  --runs DIR    folder of the runs (default .supernet/runs)
  --steps N     stop after N steps in total
  --backend B   auto | tensorflow-gpu | tensorflow | wasm | cpu (default: the config's)
  -h, --help    this text`;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Rewrites the terminal's current line; absent when stderr is not a terminal. */
  status?: (s: string) => void;
}

/** Runs the CLI; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  switch (command) {
    case 'validate': {
      const a = parseArgs(rest, [], ['--json']);
      if (typeof a === 'string') return usageError(io, command, a);
      if (!a.positional.length) return usageError(io, command, 'name at least one file');
      const records = validateFiles(a.positional);
      if (a.flags.has('--json')) io.out(JSON.stringify(records, null, 2));
      else {
        for (const r of records) io.out(formatRecord(r));
        const errors = records.filter((r) => r.severity === 'error').length;
        const warnings = records.filter((r) => r.severity === 'warning').length;
        const n = a.positional.length;
        io.err(
          `${n} file${n === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
        );
      }
      return records.some((r) => r.severity === 'error') ? 1 : 0;
    }
    case 'train': {
      const a = parseArgs(rest, ['--steps', '--runs', '--resume', '--backend'], ['--json']);
      if (typeof a === 'string') return usageError(io, command, a);
      const resume = a.options.get('--resume');
      if (!resume && a.positional.length !== 1)
        return usageError(io, command, 'name one config file (or --resume RUN_ID)');
      const steps = a.options.has('--steps') ? Number(a.options.get('--steps')) : undefined;
      if (steps !== undefined && (!Number.isInteger(steps) || steps < 1))
        return usageError(io, command, '--steps takes a positive whole number');
      return trainCli({
        configPath: path.resolve(a.positional[0] ?? ''),
        runsDir: path.resolve(a.options.get('--runs') ?? path.join('.supernet', 'runs')),
        ...(steps ? { steps } : {}),
        ...(resume ? { resume } : {}),
        ...(a.options.has('--backend') ? { backend: a.options.get('--backend') } : {}),
        json: a.flags.has('--json'),
        out: io.out,
        err: io.err,
        ...(io.status ? { status: io.status } : {}),
      });
    }
    case 'search': {
      const a = parseArgs(
        rest,
        ['--runs', '--budget', '--algorithm', '--seed', '--population', '--generations'],
        ['--json'],
      );
      if (typeof a === 'string') return usageError(io, command, a);
      if (a.positional.length !== 1) return usageError(io, command, 'name one run or config');
      const ints: Record<string, number> = {};
      for (const k of ['budget', 'seed', 'population', 'generations']) {
        const v = a.options.get(`--${k}`);
        if (v === undefined) continue;
        const n = Number(v);
        if (!Number.isInteger(n) || n < (k === 'seed' ? 0 : 1))
          return usageError(
            io,
            command,
            `--${k} takes a whole number${k === 'seed' ? '' : ' ≥ 1'}`,
          );
        ints[k] = n;
      }
      const algorithm = a.options.get('--algorithm');
      if (algorithm !== undefined && algorithm !== 'nsga2' && algorithm !== 'random')
        return usageError(io, command, '--algorithm is nsga2 or random');
      return searchCli({
        command: {
          type: 'search',
          run: a.positional[0],
          runsDir: runsDirOf(a.options.get('--runs')),
          ...(algorithm ? { algorithm } : {}),
          ...ints,
        },
        json: a.flags.has('--json'),
        out: io.out,
        err: io.err,
        ...(io.status ? { status: io.status } : {}),
      });
    }
    case 'export': {
      const a = parseArgs(rest, ['--runs', '--best-under', '-o', '--output'], ['--json']);
      if (typeof a === 'string') return usageError(io, command, a);
      const bestUnder = a.options.get('--best-under');
      if (a.positional.length !== (bestUnder ? 1 : 2))
        return usageError(io, command, 'name a run and a subnet key, or a run and --best-under');
      const file = a.options.get('-o') ?? a.options.get('--output');
      return exportCli({
        command: {
          type: 'export',
          run: a.positional[0],
          runsDir: runsDirOf(a.options.get('--runs')),
          ...(bestUnder
            ? { bestUnder: bestUnder.split(',').map((s) => s.trim()) }
            : { key: a.positional[1] }),
          ...(file ? { file: path.resolve(file) } : {}),
        },
        json: a.flags.has('--json'),
        out: io.out,
        err: io.err,
      });
    }
    case 'rank': {
      const a = parseArgs(rest, ['--runs', '--subnets', '--epochs', '--seed'], ['--json']);
      if (typeof a === 'string') return usageError(io, command, a);
      if (a.positional.length !== 1) return usageError(io, command, 'name one run or config');
      const subnets = Number(a.options.get('--subnets') ?? 8);
      const epochs = Number(a.options.get('--epochs') ?? 1);
      const seed = a.options.has('--seed') ? Number(a.options.get('--seed')) : undefined;
      if (!Number.isInteger(subnets) || subnets < 2)
        return usageError(io, command, '--subnets takes a whole number ≥ 2');
      if (!(epochs > 0)) return usageError(io, command, '--epochs takes a positive number');
      if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0))
        return usageError(io, command, '--seed takes a whole number ≥ 0');
      const { rankCli } = await import('./rank.js');
      return rankCli({
        run: a.positional[0],
        runsDir: runsDirOf(a.options.get('--runs')),
        subnets,
        epochs,
        ...(seed !== undefined ? { seed } : {}),
        json: a.flags.has('--json'),
        out: io.out,
        err: io.err,
        ...(io.status ? { status: io.status } : {}),
      });
    }
    default:
      return usageError(io, '', `unknown command '${command}'`);
  }
}

const runsDirOf = (dir: string | undefined): string =>
  path.resolve(dir ?? path.join('.supernet', 'runs'));

function usageError(io: CliIo, command: string, message: string): number {
  io.err(`supernet${command ? ' ' + command : ''}: ${message}\n\n${USAGE}`);
  return 2;
}

/** The process entry: wires the CLI to stdout/stderr. */
export function main(argv = process.argv.slice(2)): void {
  const tty = process.stderr.isTTY;
  runCli(argv, {
    out: (s) => process.stdout.write(s + '\n'),
    err: (s) => process.stderr.write(s + '\n'),
    ...(tty ? { status: (s: string) => process.stderr.write('\r\x1b[K' + s) } : {}),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      process.stderr.write(`supernet: ${e.stack ?? e.message}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main();
