import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { pathToFileURL } from 'node:url';
import { analyse } from '../analysis/analysis';
import { capByCode, MAX_DIAGNOSTICS_PER_CODE, moreProblems } from '../language/diagnostics';
import { dataIo } from '../datasets/dataIo';
import { totalmem } from 'node:os';

/** One finding, as `supernet validate --json` prints it: 1-based lines and columns. */
export interface ValidationRecord {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
}

/** Validate one file's text; `file` is the name shown in the output. */
export function validateText(
  file: string,
  text: string,
  absolutePath?: string,
): ValidationRecord[] {
  const doc = TextDocument.create(
    pathToFileURL(absolutePath ?? path.resolve(file)).href,
    'supernet',
    1,
    text,
  );
  const a = analyse(text, {
    memoryLimitBytes: totalmem(),
    configPath: absolutePath ?? path.resolve(file),
    pathExists: existsSync,
    resolvePath: (from, rel) => path.resolve(path.dirname(from), rel),
    describeData: dataIo().describeData,
  });
  return a.problems
    .slice()
    .sort((x, y) => x.start - y.start)
    .map((p) => {
      const s = doc.positionAt(p.start);
      const e = doc.positionAt(p.end);
      return {
        file,
        line: s.line + 1,
        column: s.character + 1,
        endLine: e.line + 1,
        endColumn: e.character + 1,
        severity: p.severity,
        code: p.code,
        message: p.message,
      };
    });
}

/** Validate files; a file that cannot be read is an error record at 1:1. */
export function validateFiles(files: string[]): ValidationRecord[] {
  const out: ValidationRecord[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const reason =
        (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message;
      out.push({
        file,
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity: 'error',
        code: 'unreadable',
        message: `Cannot read ${file}: ${reason}`,
      });
      continue;
    }
    out.push(...validateText(file, text));
  }
  return out;
}

export const formatRecord = (r: ValidationRecord): string =>
  `${r.file}:${r.line}:${r.column} ${r.severity} ${r.message} [${r.code}]`;

/** `supernet validate`: one line per finding (or one JSON array), a summary on stderr. */
export function validateCli(
  files: string[],
  json: boolean,
  io: { out: (s: string) => void; err: (s: string) => void },
): number {
  const records = validateFiles(files);
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (json) io.out(JSON.stringify(records, null, 2));
  else {
    // As the editor does: a hundred findings of a kind say what is wrong (--json has all).
    for (const f of files)
      for (const r of capByCode(
        records.filter((x) => x.file === f),
        MAX_DIAGNOSTICS_PER_CODE,
        (first, n) => ({ ...first, message: `${moreProblems(first.code, n)} (--json lists all)` }),
      ))
        io.out(formatRecord(r));
    const errors = records.filter((r) => r.severity === 'error').length;
    const warnings = records.filter((r) => r.severity === 'warning').length;
    io.err(
      `${count(files.length, 'file')}: ${count(errors, 'error')}, ${count(warnings, 'warning')}`,
    );
  }
  return records.some((r) => r.severity === 'error') ? 1 : 0;
}
