import { isRecord } from '#shared/schema/validate';
import type {
  Connection,
  Disposable,
  NotificationHandler,
  TextDocuments,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';

/** What `TextDocuments.listen` takes (the package does not export its name). */
type TextDocumentConnection = Parameters<TextDocuments<TextDocument>['listen']>[0];

/**
 * Checks the params of the standard LSP messages the server handles, on arrival. The
 * connection passes on whatever JSON a client sent: a `null` position used to reach the
 * language service and end as an internal TypeError in the log and a `null` answer. A
 * request of the wrong shape is answered with invalid-params (-32602) and the reason; a
 * notification of the wrong shape is dropped with one log line.
 *
 * Each check returns why the params are refused (naming the method and the parameter), or
 * undefined when they are fine.
 */
export type ParamsCheck = (params: unknown) => string | undefined;

type Obj = Record<string, unknown>;
const isWhole = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const shown = (x: unknown): string => (JSON.stringify(x) ?? String(x)).slice(0, 80);

function positionProblem(x: unknown, name: string): string | undefined {
  return isRecord(x) && isWhole(x.line) && isWhole(x.character)
    ? undefined
    : `\`${name}\` must be { line, character } with whole numbers ≥ 0; got ${shown(x)}`;
}

function rangeProblem(x: unknown, name: string): string | undefined {
  if (!isRecord(x)) return `\`${name}\` must be { start, end }; got ${shown(x)}`;
  return positionProblem(x.start, `${name}.start`) ?? positionProblem(x.end, `${name}.end`);
}

/** The params of every document message: an object with `textDocument.uri`. */
function documentProblem(x: unknown): string | undefined {
  if (!isRecord(x)) return `the parameters must be an object; got ${shown(x)}`;
  if (!isRecord(x.textDocument) || typeof x.textDocument.uri !== 'string')
    return `\`textDocument.uri\` must be a string; got ${shown(x.textDocument)}`;
  return undefined;
}

const named =
  (method: string, problem: (x: unknown) => string | undefined): ParamsCheck =>
  (x) => {
    const why = problem(x);
    return why && `${method}: ${why}`;
  };

/** Params with a document only (document symbols, code lenses). */
export const documentParams = (method: string): ParamsCheck => named(method, documentProblem);

/** Params with a document and a `position` (hover, completion). */
export const positionParams = (method: string): ParamsCheck =>
  named(method, (x) => documentProblem(x) ?? positionProblem((x as Obj).position, 'position'));

/** Params with a document and a `range` (code actions). */
export const rangeParams = (method: string): ParamsCheck =>
  named(method, (x) => documentProblem(x) ?? rangeProblem((x as Obj).range, 'range'));

const didOpen = named('textDocument/didOpen', (x) => {
  const why = documentProblem(x);
  if (why) return why;
  const td = (x as Obj).textDocument as Obj;
  if (typeof td.text !== 'string')
    return `\`textDocument.text\` must be a string; got ${shown(td.text)}`;
  if (!isWhole(td.version)) return `\`textDocument.version\` must be a whole number`;
  return undefined;
});

const didChange = named('textDocument/didChange', (x) => {
  const why = documentProblem(x);
  if (why) return why;
  const p = x as Obj;
  if (!isWhole((p.textDocument as Obj).version))
    return `\`textDocument.version\` must be a whole number`;
  if (!Array.isArray(p.contentChanges)) return '`contentChanges` must be an array';
  for (const [i, c] of p.contentChanges.entries()) {
    if (!isRecord(c) || typeof c.text !== 'string')
      return `\`contentChanges[${i}].text\` must be a string`;
    if (c.range !== undefined) {
      const bad = rangeProblem(c.range, `contentChanges[${i}].range`);
      if (bad) return bad;
    }
  }
  return undefined;
});

/**
 * The connection as `TextDocuments.listen` sees it, with the sync notifications checked
 * first: one of the wrong shape is dropped with one warning instead of reaching the
 * documents (where `text: null` became a TypeError in every later feature).
 */
export function checkedDocumentSync(connection: Connection): TextDocumentConnection {
  const checked =
    <P>(check: ParamsCheck, on: (h: NotificationHandler<P>) => Disposable) =>
    (handler: NotificationHandler<P>): Disposable =>
      on((params: P) => {
        const why = check(params);
        if (why) connection.console.warn(`supernet: dropped a notification: ${why}`);
        else handler(params);
      });
  const close = named('textDocument/didClose', documentProblem);
  const save = named('textDocument/didSave', documentProblem);
  const willSave = named('textDocument/willSave', documentProblem);
  return {
    onDidOpenTextDocument: checked(didOpen, (h) => connection.onDidOpenTextDocument(h)),
    onDidChangeTextDocument: checked(didChange, (h) => connection.onDidChangeTextDocument(h)),
    onDidCloseTextDocument: checked(close, (h) => connection.onDidCloseTextDocument(h)),
    onDidSaveTextDocument: checked(save, (h) => connection.onDidSaveTextDocument(h)),
    onWillSaveTextDocument: checked(willSave, (h) => connection.onWillSaveTextDocument(h)),
    // Not announced in the capabilities: a client never sends it.
    onWillSaveTextDocumentWaitUntil: (h) => connection.onWillSaveTextDocumentWaitUntil(h),
  };
}
