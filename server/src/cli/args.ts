/** Parsed command line: positional arguments, boolean flags and `--name value` options. */
export interface ParsedArgs {
  positional: string[];
  flags: Set<string>;
  options: Map<string, string>;
}

/**
 * Parses `argv` against the options a command takes (`valued` take a value, `flags` do not).
 * Returns an error message for an unknown option or a missing value.
 */
export function parseArgs(
  argv: string[],
  valued: readonly string[],
  flags: readonly string[],
): ParsedArgs | string {
  const out: ParsedArgs = { positional: [], flags: new Set(), options: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') {
      out.positional.push(a);
      continue;
    }
    const [name, inline] = a.includes('=')
      ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
      : [a, undefined];
    if (flags.includes(name)) out.flags.add(name);
    else if (valued.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) return `option ${name} needs a value`;
      out.options.set(name, v);
    } else return `unknown option ${name}`;
  }
  return out;
}
