import {
  Composer,
  isScalar,
  Parser,
  visit,
  YAMLParseError,
  type CST,
  type Document,
  type LineCounter,
} from 'yaml';

/**
 * Deepest nesting of collections a config may have (real configs nest about 5 deep).
 *
 * The YAML composer turns the syntax tree into nodes recursively. Nesting a few thousand deep
 * (`[[[[…`, `- - - …`, `k: ? ? ? …`; about a thousand once the parser's code is warm) exhausts
 * the stack, and V8 may then abort the whole process (`RegExpCompiler Allocation failed - process
 * out of memory`) instead of throwing: one pasted text would take the language server down. The
 * syntax tree itself is built without recursion, so its depth is measured before composing.
 */
export const MAX_NESTING = 100;

export type SafeParse =
  { doc: Document.Parsed; tooDeepAt?: undefined } | { doc?: undefined; tooDeepAt: number };

/**
 * `parseDocument(text, { prettyErrors: false, ... })`, except that a text whose collections nest
 * deeper than `MAX_NESTING` is not composed: the result is the offset where it gets too deep.
 * Duplicate keys are reported only with `uniqueKeys: true`, and in linear time. A lone CR
 * ends a line, as YAML says and the editor counts lines.
 */
export function parseYamlSafely(
  text: string,
  options: { lineCounter?: LineCounter; uniqueKeys?: boolean } = {},
): SafeParse {
  const lf = withLfBreaks(text);
  const tokens = Array.from(new Parser(options.lineCounter?.addNewLine).parse(lf));
  const deep = tooDeepAt(tokens, MAX_NESTING);
  if (deep !== undefined) return { tooDeepAt: deep };
  // The composer's own duplicate check compares each key with every earlier one: 20,000
  // keys in one mapping took seconds. `duplicateKeys` does the same check with a set.
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  // As parseDocument does: the first document, and an error when there are more.
  let doc: Document.Parsed | undefined;
  for (const d of composer.compose(tokens, true, lf.length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(
        new YAMLParseError(
          [d.range[0], d.range[1]],
          'MULTIPLE_DOCS',
          'Source contains multiple documents; please use YAML.parseAllDocuments()',
        ),
      );
      break;
    }
  }
  if (options.uniqueKeys) doc!.errors.push(...duplicateKeys(doc!));
  return { doc: doc! };
}

/**
 * The text with each lone CR (old Mac line ends) made an LF. YAML counts CR, LF and CRLF as
 * line breaks, the `yaml` parser only the last two: a CR-only file read as one long line
 * is "empty" or all syntax errors. One character for one keeps every offset as it was.
 */
const withLfBreaks = (text: string): string => text.replace(/\r(?!\n)/g, '\n');

/** The composer's DUPLICATE_KEY errors, at each repeated scalar key of every mapping. */
function duplicateKeys(doc: Document.Parsed): YAMLParseError[] {
  const errors: YAMLParseError[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue;
        if (!seen.has(key.value)) seen.add(key.value);
        else {
          const at = key.range?.[0] ?? 0;
          errors.push(new YAMLParseError([at, at + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
        }
      }
    },
  });
  return errors;
}

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * The offset of the first collection nested deeper than `limit`, walking the syntax tree
 * without recursion. Only the fields that hold tokens are followed: collections hold
 * `items` of { start, key, sep, value }, documents a `value`, block scalars and flow
 * collections their `start`/`end` markers (leaves).
 */
function tooDeepAt(tokens: CST.Token[], limit: number): number | undefined {
  const nodes: unknown[] = [...tokens];
  const depths: number[] = tokens.map(() => 0);
  while (nodes.length) {
    const x = nodes.pop() as Record<string, unknown> | undefined;
    const depth = depths.pop()!;
    if (!x || typeof x !== 'object') continue;
    let d = depth;
    if (typeof x.type === 'string' && COLLECTIONS.has(x.type)) {
      d++;
      if (d > limit) return typeof x.offset === 'number' ? x.offset : 0;
    }
    const push = (v: unknown) => {
      if (v && typeof v === 'object') {
        nodes.push(v);
        depths.push(d);
      }
    };
    push(x.value);
    push(x.key);
    if (Array.isArray(x.items))
      for (const item of x.items as Record<string, unknown>[]) {
        push(item.key);
        push(item.value);
      }
  }
  return undefined;
}
