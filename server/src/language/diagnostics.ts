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
