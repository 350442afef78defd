import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Problem } from '../config/problems';

const SEVERITY: Record<Problem['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function toDiagnostic(d: TextDocument, p: Problem): Diagnostic {
  return {
    range: { start: d.positionAt(p.start), end: d.positionAt(p.end) },
    severity: SEVERITY[p.severity],
    code: p.code,
    source: 'supernet',
    message: p.message,
    ...(p.data ? { data: p.data } : {}),
  };
}

/**
 * The most diagnostics of one kind (one code) a document shows. A pasted or generated text
 * can hold tens of thousands of findings of one kind; a hundred say what is wrong, and the
 * editor's problem list stays usable.
 */
export const MAX_DIAGNOSTICS_PER_CODE = 100;

/**
 * At most `max` items of each code, in order; in place of the rest of a code, `more(first,
 * count)` once, at the end: the first item left out and how many were.
 */
export function capByCode<T extends { code: string }>(
  items: readonly T[],
  max: number,
  more: (first: T, count: number) => T,
): T[] {
  const shown = new Map<string, number>();
  const hidden = new Map<string, { first: T; count: number }>();
  const out: T[] = [];
  for (const item of items) {
    const n = shown.get(item.code) ?? 0;
    if (n < max) {
      shown.set(item.code, n + 1);
      out.push(item);
      continue;
    }
    const h = hidden.get(item.code);
    if (h) h.count++;
    else hidden.set(item.code, { first: item, count: 1 });
  }
  for (const { first, count } of hidden.values()) out.push(more(first, count));
  return out;
}

/** The summary that stands for `count` problems of one code left out. */
export const moreProblems = (code: string, count: number): string =>
  `… and ${count.toLocaleString('en-US')} more ${code} problems, not shown: fix these first.`;

/**
 * The problems as diagnostics, at most MAX_DIAGNOSTICS_PER_CODE of each code; in place of
 * the rest of a code, one diagnostic at the first left out says how many there are.
 */
export function toDiagnostics(d: TextDocument, problems: readonly Problem[]): Diagnostic[] {
  return capByCode(problems, MAX_DIAGNOSTICS_PER_CODE, (first, count) => ({
    ...first,
    message: moreProblems(first.code, count),
  })).map((p) => toDiagnostic(d, p));
}
