import { parseArgs, type ParseArgsConfig } from 'node:util';
import { COMMANDS, USAGE, UsageError, type CliIo, type Parsed } from './commands';

export { buildJsonSchemaText } from '../config/jsonSchema';
export type { CliIo };

/**
 * Runs the CLI; resolves to the exit code. Three phases: pick the command, parse its
 * arguments (node:util parseArgs, strict: an unknown flag is a usage error), run it.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    io.out(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') return COMMANDS.version.run(emptyArgs(), io);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return usageError(io, '', `unknown command '${name}'`);
  const parsed = parse(rest, command.options);
  if (typeof parsed === 'string') return usageError(io, name, parsed);
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    return await command.run(parsed, io);
  } catch (e) {
    if (e instanceof UsageError) return usageError(io, name, e.message);
    throw e;
  }
}

const emptyArgs = (): Parsed => ({ values: {}, positionals: [] });

/** The command's arguments, or the usage error to print. */
function parse(args: string[], options: ParseArgsConfig['options']): Parsed | string {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    const err = e as Error & { code?: string };
    const flag = /'(-[^' ]+)/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      return `unknown option ${flag ?? err.message}`;
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
      return flag ? `option ${flag} needs a value` : err.message;
    return err.message;
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
