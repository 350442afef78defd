import { formatRecord, validateFiles } from './validate';

export { buildJsonSchemaText } from '../config/jsonSchema';

const USAGE = `usage: supernet <command> [options]

commands:
  validate FILE... [--json]   check *.supernet.yaml files; exit 1 when any has an error

options:
  --json      machine-readable output
  -h, --help  this text`;

/** Runs the CLI; returns the exit code. Output goes through the given writers. */
export function runCli(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    out(USAGE);
    return command ? 0 : 2;
  }
  const json = rest.includes('--json');
  const unknown = rest.filter((a) => a.startsWith('-') && a !== '--json');
  if (unknown.length) {
    err(`supernet ${command}: unknown option ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  const files = rest.filter((a) => !a.startsWith('-'));
  switch (command) {
    case 'validate': {
      if (!files.length) {
        err('supernet validate: name at least one file');
        return 2;
      }
      const records = validateFiles(files);
      if (json) out(JSON.stringify(records, null, 2));
      else {
        for (const r of records) out(formatRecord(r));
        const errors = records.filter((r) => r.severity === 'error').length;
        const warnings = records.filter((r) => r.severity === 'warning').length;
        err(`${files.length} file${files.length === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
      }
      return records.some((r) => r.severity === 'error') ? 1 : 0;
    }
    case 'train':
    case 'search':
    case 'export':
      err(`supernet ${command}: not yet available — the engine has not landed yet.`);
      return 2;
    default:
      err(`supernet: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

if (require.main === module) {
  process.exitCode = runCli(
    process.argv.slice(2),
    (s) => process.stdout.write(s + '\n'),
    (s) => process.stderr.write(s + '\n'),
  );
}
