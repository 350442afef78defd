import { Composer, Parser, YAMLParseError, type CST, type Document, type LineCounter } from 'yaml';

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
 */
export function parseYamlSafely(
  text: string,
  options: { lineCounter?: LineCounter; uniqueKeys?: boolean } = {},
): SafeParse {
  const tokens = Array.from(new Parser(options.lineCounter?.addNewLine).parse(text));
  const deep = tooDeepAt(tokens, MAX_NESTING);
  if (deep !== undefined) return { tooDeepAt: deep };
  const composer = new Composer({
    prettyErrors: false,
    ...(options.uniqueKeys !== undefined ? { uniqueKeys: options.uniqueKeys } : {}),
  });
  // As parseDocument does: the first document, and an error when there are more.
  let doc: Document.Parsed | undefined;
  for (const d of composer.compose(tokens, true, text.length)) {
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
  return { doc: doc! };
}

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/** The offset of the first collection nested deeper than `limit`, walking the syntax tree without recursion. */
function tooDeepAt(tokens: CST.Token[], limit: number): number | undefined {
  const stack: [unknown, number][] = tokens.map((t) => [t, 0]);
  while (stack.length) {
    const [x, depth] = stack.pop()!;
    if (!x || typeof x !== 'object') continue;
    if (Array.isArray(x)) {
      for (const item of x) stack.push([item, depth]);
      continue;
    }
    const t = x as { type?: unknown; offset?: unknown };
    let d = depth;
    if (typeof t.type === 'string' && COLLECTIONS.has(t.type)) {
      d++;
      if (d > limit) return typeof t.offset === 'number' ? t.offset : 0;
    }
    // Collections hold items ({ start, key, sep, value }); documents and items hold tokens.
    for (const [k, v] of Object.entries(x))
      if (k !== 'source' && v && typeof v === 'object') stack.push([v, d]);
  }
  return undefined;
}
