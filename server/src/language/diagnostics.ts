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
 * The problems as diagnostics, at most MAX_DIAGNOSTICS_PER_CODE of each code; in place of
 * the rest of a code, one diagnostic at the first left out says how many there are.
 */
export function toDiagnostics(d: TextDocument, problems: readonly Problem[]): Diagnostic[] {
  const shown = new Map<Problem['code'], number>();
  const hidden = new Map<Problem['code'], { first: Problem; count: number }>();
  const out: Diagnostic[] = [];
  for (const p of problems) {
    const n = shown.get(p.code) ?? 0;
    if (n < MAX_DIAGNOSTICS_PER_CODE) {
      shown.set(p.code, n + 1);
      out.push(toDiagnostic(d, p));
      continue;
    }
    const h = hidden.get(p.code);
    if (h) h.count++;
    else hidden.set(p.code, { first: p, count: 1 });
  }
  for (const [code, { first, count }] of hidden)
    out.push({
      ...toDiagnostic(d, first),
      message: `… and ${count.toLocaleString('en-US')} more ${code} problems, not shown: fix these first.`,
    });
  return out;
}
