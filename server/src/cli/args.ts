import * as path from 'node:path';

/** A command's parsed arguments (node:util parseArgs). */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Where runs live: `--runs DIR`, else `.supernet/runs` under the working folder. */
export const runsDirOf = (p: Parsed): string =>
  path.resolve(typeof p.values.runs === 'string' ? p.values.runs : path.join('.supernet', 'runs'));

/**
 * `--name N` as a whole number ≥ `min`: the number, undefined when absent, or the usage
 * error to print.
 */
export function wholeNumber(p: Parsed, name: string, min: number): number | undefined | string {
  const v = p.values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min)
    return `--${name} takes a whole number${min > 0 ? ` ≥ ${min}` : ' ≥ 0'}`;
  return n;
}

/** `--name X` as a positive number (fractions allowed). */
export function positiveNumber(p: Parsed, name: string): number | undefined | string {
  const v = p.values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !(n > 0)) return `--${name} takes a positive number`;
  return n;
}

/** Gathers the numbers of several options, or the first usage error among them. */
export function numbers<K extends string>(
  checks: Record<K, number | undefined | string>,
): Partial<Record<K, number>> | string {
  const out: Partial<Record<K, number>> = {};
  for (const [k, v] of Object.entries(checks) as [K, number | undefined | string][]) {
    if (typeof v === 'string') return v;
    if (v !== undefined) out[k] = v;
  }
  return out;
}
