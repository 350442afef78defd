/** `--name N` or `--name=N` as a positive integer, if given. */
export function numberArg(args: string[], name: string): number | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(name + '='));
  if (i < 0) return undefined;
  const text = args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** `--name V` or `--name=V`, if given. */
export function stringArg(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(name + '='));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
}
