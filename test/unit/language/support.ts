// Shared fixtures of the unit tests of the pure modules (no tests of its own).
import * as path from 'node:path';
import { LANGUAGE_SMALL } from '../../fixtures/configs';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver-types';
import {
  getLanguageService,
  type LanguageService,
  type LanguageServiceOptions,
} from '../../../server/src/language/languageService';

/** The repository root: compiled tests live in out/test/unit/<area>/. */
export const repoRoot = path.resolve(__dirname, '../../../..');

export const URI = 'file:///work/demo.supernet.yaml';

let version = 0;
export function doc(text: string, uri = URI): TextDocument {
  return TextDocument.create(uri, 'supernet', ++version, text);
}

export function service(options: LanguageServiceOptions = {}): LanguageService {
  return getLanguageService(options);
}

export const SMALL = LANGUAGE_SMALL;

/** SMALL with one line replaced (`find` must occur exactly once). */
export function smallWith(find: string, replace: string): string {
  const i = SMALL.indexOf(find);
  if (i < 0 || SMALL.indexOf(find, i + 1) >= 0)
    throw new Error(`'${find}' must occur once in SMALL`);
  return SMALL.slice(0, i) + replace + SMALL.slice(i + find.length);
}

/** [startLine, startChar, endLine, endChar] of a range, for compact exact comparisons. */
export const span = (r: Range): [number, number, number, number] => [
  r.start.line,
  r.start.character,
  r.end.line,
  r.end.character,
];

/** The diagnostics of `text` with the given code. */
export function diagnostics(
  text: string,
  code?: string,
  options: LanguageServiceOptions = {},
): Diagnostic[] {
  const all = service(options).validate(doc(text));
  return code === undefined ? all : all.filter((d) => d.code === code);
}

/** Apply the text edits of a workspace edit for `uri` to `text` (edits must not overlap). */
export function applyEdit(text: string, edit: WorkspaceEdit | undefined, uri = URI): string {
  const edits: TextEdit[] = edit?.changes?.[uri] ?? [];
  const d = TextDocument.create(uri, 'supernet', 0, text);
  return TextDocument.applyEdits(d, edits);
}
