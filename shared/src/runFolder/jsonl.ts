/**
 * The one reader of JSON-lines text (events.jsonl, search-events.jsonl, candidates.jsonl).
 * A process killed mid-write leaves a torn last line and a disk hiccup can garble one:
 * such lines, and lines that are not the expected record, are skipped and counted, never
 * fatal. Pure: the webview uses it too.
 */
export function parseJsonLines<T>(
  text: string | undefined,
  check: (x: unknown) => T | undefined,
): { records: T[]; skipped: number } {
  const records: T[] = [];
  let skipped = 0;
  for (const line of (text ?? '').split('\n')) {
    const r = parseJsonLine(line, check);
    if (r === 'blank') continue;
    if (r === undefined) skipped++;
    else records.push(r);
  }
  return { records, skipped };
}

/** One line: its record, undefined when it is not one, or 'blank' for an empty line. */
export function parseJsonLine<T>(
  line: string,
  check: (x: unknown) => T | undefined,
): T | undefined | 'blank' {
  if (!line.trim()) return 'blank';
  try {
    return check(JSON.parse(line));
  } catch {
    return undefined;
  }
}

/** The last record per key: a key written again (a re-evaluation) replaces the earlier line. */
export function lastByKey<T extends { key: string }>(records: readonly T[]): Map<string, T> {
  const byKey = new Map<string, T>();
  for (const r of records) byKey.set(r.key, r);
  return byKey;
}

/**
 * A whole JSON file's text parsed, or undefined: a missing file, one being replaced right
 * now (read half-written) or garbage. Every reader of run.json, pareto.json and rank.json
 * takes it this way and checks the value against its schema next.
 */
export function parseJsonText(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
