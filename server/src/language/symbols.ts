import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { Analysis } from '../analysis/analysis';

const MAX_DEPTH = 4;

/** The outline: sections, their keys, and stages named by their settings. */
export function documentSymbols(d: TextDocument, a: Analysis): DocumentSymbol[] {
  const root = a.resolved.locations.get('')?.node;
  if (!root || !isMap(root)) return [];
  return mapSymbols(d, root, [], 0);
}

function range(d: TextDocument, from: number, to: number) {
  return { start: d.positionAt(from), end: d.positionAt(Math.max(from, to)) };
}

function mapSymbols(d: TextDocument, node: Node, path: string[], depth: number): DocumentSymbol[] {
  if (!isMap(node)) return [];
  const out: DocumentSymbol[] = [];
  for (const pair of node.items as Pair<Node, Node | null>[]) {
    if (!isScalar(pair.key) || !pair.key.range) continue;
    const name = String(pair.key.value);
    const k = pair.key.range;
    const v = pair.value?.range;
    const end = v ? v[1] : k[1];
    out.push({
      name,
      ...(pair.value && isScalar(pair.value) ? { detail: String(pair.value.value ?? '') } : {}),
      kind:
        path.length === 0
          ? SymbolKind.Module
          : pair.value && (isMap(pair.value) || isSeq(pair.value))
            ? SymbolKind.Object
            : SymbolKind.Property,
      range: range(d, k[0], end),
      selectionRange: range(d, k[0], k[1]),
      children:
        depth + 1 < MAX_DEPTH && pair.value
          ? childSymbols(d, pair.value, [...path, name], depth + 1)
          : [],
    });
  }
  return out;
}

function childSymbols(
  d: TextDocument,
  node: Node,
  path: string[],
  depth: number,
): DocumentSymbol[] {
  if (isMap(node)) return mapSymbols(d, node, path, depth);
  if (!isSeq(node)) return [];
  const isStages = path.join('.') === 'space.stages';
  const out: DocumentSymbol[] = [];
  node.items.forEach((item, i) => {
    const n = item as Node;
    if (!n.range || isScalar(n)) return;
    out.push({
      name: isStages ? `stage ${i + 1}` : `[${i}]`,
      ...(isStages ? { detail: stageDetail(n) } : {}),
      kind: SymbolKind.Struct,
      range: range(d, n.range[0], n.range[1]),
      selectionRange: range(d, n.range[0], n.range[0]),
      children: mapSymbols(d, n, [...path, String(i)], depth + 1),
    });
  });
  return out;
}

function stageDetail(n: Node): string {
  if (!isMap(n)) return '';
  const js = n.toJSON() as Record<string, unknown>;
  const fmt = (v: unknown) =>
    Array.isArray(v)
      ? v.length > 1
        ? `${v[0]}–${v[v.length - 1]}`
        : String(v[0])
      : String(v ?? '?');
  return `depth ${fmt(js.depth)} · width ${fmt(js.width)}${js.stride !== undefined ? ` · stride ${js.stride}` : ''}`;
}
