import {
  CompletionItemKind,
  InsertTextFormat,
  type CompletionItem,
  type CompletionList,
} from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { PytorchStatus } from '../analysis/pytorchFacts';
import { configSchema } from '../config/configSchema';
import { MAX_CONFIG_CHARS } from '../config/resolve';
import { parseYamlSafely } from '#shared/yamlParse';
import { typeName, type Fields, type Schema } from '#shared/schema/dsl';

const MARK = '__supernet_cursor__';

type Path = (string | number)[];

/** The schema of the value at `path`, or undefined when the path leaves the schema. */
export function schemaAt(path: readonly (string | number)[]): Schema | undefined {
  let s: Schema = configSchema;
  for (const seg of path) {
    if (s.kind === 'object') {
      const f: Schema | undefined = (s.fields as Fields)[String(seg)];
      if (!f) return undefined;
      s = f;
    } else if (s.kind === 'map') {
      if (!s.keys.includes(String(seg)) && !s.keyPattern?.pattern.test(String(seg)))
        return undefined;
      s = s.value as Schema;
    } else if (s.kind === 'array' && typeof seg === 'number') {
      s = s.items as Schema;
    } else {
      return undefined;
    }
  }
  return s;
}

interface Found {
  path: Path;
  kind: 'key' | 'value';
  siblings: string[];
}

function findMark(node: Node | null, path: Path): Found | undefined {
  if (!node) return undefined;
  if (isMap(node)) {
    const keys = node.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (k === MARK) return { path, kind: 'key', siblings: keys.filter((x) => x !== MARK) };
      if (k === undefined) continue;
      const inner = findMark(pair.value as Node | null, [...path, k]);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const inner = findMark(node.items[i] as Node, [...path, i]);
      if (inner) return inner;
    }
  } else if (isScalar(node) && node.value === MARK) {
    return { path, kind: 'value', siblings: [] };
  }
  return undefined;
}

/**
 * The values an enum offers at `path`: all of them, but `train.backend` offers `pytorch`
 * only where it can run (no Python with torch was found: the diagnostic says why).
 */
function enumValues(
  path: readonly (string | number)[],
  s: Schema,
  io: CompletionIo,
): readonly string[] {
  if (s.kind !== 'enum') return [];
  if (path.join('.') !== 'train.backend' || !io.pytorchStatus) return s.values;
  return io.pytorchStatus().ok ? s.values : s.values.filter((v) => v !== 'pytorch');
}

function keyItem(
  name: string,
  s: Schema,
  doc: string,
  replace: { start: number; end: number },
  d: TextDocument,
  inFlow: boolean,
  values: readonly string[] = s.kind === 'enum' ? s.values : [],
): CompletionItem {
  let snippet: string;
  switch (s.kind) {
    case 'object':
    case 'map':
      snippet = `${name}:\n\t$0`;
      break;
    case 'array':
      if (s.choices)
        snippet = `${name}: [\${1:${(s.example ?? JSON.stringify(s.default ?? [1]).replace(/,/g, ', ')).replace(/^\[|\]$/g, '')}}]`;
      else if ((s.items as Schema).kind === 'object') snippet = `${name}:\n\t- $0`;
      else snippet = `${name}:\n\t- $0`;
      break;
    case 'enum':
      snippet = `${name}: \${1|${[...values].sort((a, b) => (a === s.default ? -1 : b === s.default ? 1 : 0)).join(',')}|}`;
      break;
    case 'boolean':
      snippet = `${name}: \${1|${s.default === false ? 'false,true' : 'true,false'}|}`;
      break;
    default:
      snippet = `${name}: \${1:${s.default ?? s.example ?? ''}}`;
  }
  // A flow mapping stays on one line: nested blocks become inline `{ }` and `[ ]`.
  if (inFlow && snippet.includes('\n'))
    snippet = s.kind === 'array' ? `${name}: [$0]` : `${name}: { $0 }`;
  return {
    label: name,
    kind: CompletionItemKind.Property,
    detail: typeName(s),
    documentation: { kind: 'markdown', value: doc },
    insertTextFormat: InsertTextFormat.Snippet,
    textEdit: {
      range: { start: d.positionAt(replace.start), end: d.positionAt(replace.end) },
      newText: snippet,
    },
  };
}

function valueItems(
  s: Schema,
  replace: { start: number; end: number },
  d: TextDocument,
  values: readonly string[],
): CompletionItem[] {
  const range = { start: d.positionAt(replace.start), end: d.positionAt(replace.end) };
  const item = (
    label: string,
    doc: string,
    kind: CompletionItemKind,
    preselect = false,
  ): CompletionItem => ({
    label,
    kind,
    documentation: { kind: 'markdown', value: doc },
    textEdit: { range, newText: label },
    ...(preselect ? { preselect: true } : {}),
  });
  switch (s.kind) {
    case 'enum':
      return values.map((v) =>
        item(v, s.valueDocs[v], CompletionItemKind.EnumMember, v === s.default),
      );
    case 'boolean':
      return ['true', 'false'].map((v) =>
        item(v, s.doc, CompletionItemKind.Value, String(s.default) === v),
      );
    case 'number':
      return s.default !== undefined
        ? [item(String(s.default), `Default. ${s.doc}`, CompletionItemKind.Value, true)]
        : [];
    case 'array':
      if (s.choices) {
        const ex =
          s.example ?? (s.default ? JSON.stringify(s.default).replace(/,/g, ', ') : undefined);
        return ex ? [item(ex, s.doc, CompletionItemKind.Value)] : [];
      }
      return [];
    default:
      return [];
  }
}

/**
 * Where the flow-mapping entry under the cursor starts in `prefix` (the line up to the
 * cursor): just after the innermost unclosed `{` or the last comma after it; -1 outside
 * a flow mapping. Quoted text is skipped.
 */
function flowEntryStart(prefix: string): number {
  const opens: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(prefix[i - 1]))) break;
    else if (c === '{') opens.push(i);
    else if (c === '}') opens.pop();
  }
  const from = opens[opens.length - 1];
  if (from === undefined) return -1;
  const comma = prefix.lastIndexOf(',');
  return (comma > from ? comma : from) + 1;
}

/** What completion may read of the file system (given by the LSP layer). */
export interface CompletionIo {
  /** The folder of the document: `task.path` is relative to it. */
  configDir?: string;
  /** The subfolders of a folder (names), or [] when it is not one. */
  listFolders?: (absoluteDir: string) => string[];
  /** The devices with a latency table in the workspace: `latency@NAME` objectives. */
  devices?: readonly string[];
  /** Whether the pytorch backend can run here; asked only when `train.backend` is completed. */
  pytorchStatus?: () => PytorchStatus;
}

/** Folders for `task.path`: the subfolders of what is typed so far, relative to the config. */
function folderItems(
  word: string,
  replace: { start: number; end: number },
  d: TextDocument,
  io: CompletionIo,
): CompletionItem[] {
  if (!io.configDir || !io.listFolders) return [];
  const cut = word.lastIndexOf('/') + 1;
  const typedDir = word.slice(0, cut);
  const base = typedDir.startsWith('/') ? typedDir : `${io.configDir}/${typedDir}`;
  const range = { start: d.positionAt(replace.start), end: d.positionAt(replace.end) };
  return io
    .listFolders(base)
    .filter((name) => !name.startsWith('.') && name.startsWith(word.slice(cut)))
    .map((name) => ({
      label: `${typedDir || './'}${name}`,
      kind: CompletionItemKind.Folder,
      textEdit: { range, newText: `${typedDir || './'}${name}` },
    }));
}

/** Where the line that holds `offset` ends: at its CR, LF or CRLF, or the text's end. */
function lineEndAt(text: string, offset: number): number {
  const breaks = /[\r\n]/g;
  breaks.lastIndex = offset;
  return breaks.exec(text)?.index ?? text.length;
}

/** Completion of keys (with snippets for their values), of enum and boolean values, and of data folders. */
export function complete(d: TextDocument, offset: number, io: CompletionIo = {}): CompletionList {
  const empty: CompletionList = { isIncomplete: false, items: [] };
  const text = d.getText();
  // A text the validator refuses to read gets no completion either: parsing it once per
  // keystroke blocked the server for seconds.
  if (text.length > MAX_CONFIG_CHARS) return empty;
  const lineStart =
    Math.max(text.lastIndexOf('\n', offset - 1), text.lastIndexOf('\r', offset - 1)) + 1;
  const lineEnd = lineEndAt(text, offset);
  const prefix = text.slice(lineStart, offset);
  const suffix = text.slice(offset, lineEnd);
  const wordTail = /^[\w@.-]*/.exec(suffix)![0];

  // Inside a flow mapping (`optimizer: { type: sgd, lr: ... }`) the entry being typed
  // starts after the last unclosed `{` or the comma after it, not at the line's start.
  const flow = flowEntryStart(prefix);
  const entry = flow >= 0 ? prefix.slice(flow) : prefix;
  const valueMatch =
    /^\s*(?:-\s+)?([A-Za-z_][\w-]*)\s*:\s+([\w./-]*)$/.exec(entry) ??
    /^\s*(?:-\s+)?([A-Za-z_][\w-]*)\s*:()$/.exec(entry);
  // A key may be `latency@NAME` (a device's latency), NAME with dots.
  const keyMatch =
    flow >= 0 ? /^\s*([\w@.-]*)$/.exec(entry) : /^\s*(?:-\s+)*([\w@.-]*)$/.exec(entry);
  // An unclosed flow mapping on this line (still being typed) is closed in the probe.
  const open = (prefix + suffix).split('{').length - (prefix + suffix).split('}').length;
  const close = flow >= 0 && open > 0 ? '}'.repeat(open) : '';
  const withClose = (t: string) => {
    const at = lineEnd + t.length - text.length;
    return t.slice(0, at) + close + t.slice(at);
  };
  let probe: string;
  let replace: { start: number; end: number };
  if (valueMatch) {
    const word = valueMatch[2];
    replace = { start: offset - word.length, end: offset + wordTail.length };
    const sep = entry.endsWith(':') ? ' ' : '';
    probe = withClose(text.slice(0, replace.start) + sep + MARK + text.slice(replace.end));
  } else if (keyMatch) {
    const word = keyMatch[1];
    replace = { start: offset - word.length, end: offset + wordTail.length };
    const rest = text.slice(replace.end, lineEnd);
    probe = withClose(
      text.slice(0, replace.start) +
        MARK +
        (/^\s*:/.test(rest) ? '' : flow >= 0 ? ': ' : ':') +
        text.slice(replace.end),
    );
  } else {
    return empty;
  }
  let found: Found | undefined;
  try {
    // Text nested too deep to compose safely (see shared/src/yamlParse.ts) gets no completion.
    const parsed = parseYamlSafely(probe);
    if (!parsed.doc) return empty;
    found = findMark(parsed.doc.contents as Node | null, []);
  } catch {
    return empty;
  }
  if (!found) return empty;
  if (found.kind === 'key') {
    const parent = schemaAt(found.path);
    if (!parent) return empty;
    if (parent.kind === 'object') {
      return {
        isIncomplete: false,
        items: Object.entries(parent.fields as Fields)
          .filter(([k]) => !found.siblings.includes(k))
          .map(([k, s]) =>
            keyItem(k, s, s.doc, replace, d, flow >= 0, enumValues([...found.path, k], s, io)),
          ),
      };
    }
    if (parent.kind === 'map') {
      return {
        isIncomplete: false,
        items: [
          ...parent.keys.map((k) => ({ k, doc: parent.keyDocs[k] })),
          ...(parent.keyPattern
            ? (io.devices ?? [])
                .map((dev) => `latency@${dev}`)
                .filter((k) => parent.keyPattern!.pattern.test(k))
                .map((k) => ({ k, doc: parent.keyPattern!.doc }))
            : []),
        ]
          .filter(({ k }) => !found.siblings.includes(k))
          .map(({ k, doc }) => keyItem(k, parent.value as Schema, doc, replace, d, flow >= 0)),
      };
    }
    return empty;
  }
  if (found.path.join('.') === 'task.path')
    return {
      isIncomplete: false,
      items: folderItems(text.slice(replace.start, offset), replace, d, io),
    };
  const s = schemaAt(found.path);
  return s
    ? { isIncomplete: false, items: valueItems(s, replace, d, enumValues(found.path, s, io)) }
    : empty;
}
