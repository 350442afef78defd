import * as path from 'node:path';
import { parseArgs } from './args';
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
    case 'search':
    case 'export':
      io.err(`supernet ${command}: not yet available in this version.`);
      return 2;
    default:
      return usageError(io, '', `unknown command '${command}'`);
  }
}

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
