import {
  CodeActionKind,
  type CodeAction,
  type Diagnostic,
  type Range,
} from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../analysis/analysis';
import { toDiagnostic } from './diagnostics';

/** Quick fixes for the problems that touch `range`: each problem that carries a replacement. */
export function codeActions(d: TextDocument, range: Range, a: Analysis): CodeAction[] {
  const start = d.offsetAt(range.start);
  const end = d.offsetAt(range.end);
  const actions: CodeAction[] = [];
  for (const p of a.problems) {
    if (!p.data?.replacement || p.end < start || p.start > end) continue;
    const diagnostic: Diagnostic = toDiagnostic(d, p);
    actions.push({
      title: p.data.fixTitle ?? `Replace with ${p.data.replacement}`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes: { [d.uri]: [{ range: diagnostic.range, newText: p.data.replacement }] } },
    });
  }
  return actions;
}
