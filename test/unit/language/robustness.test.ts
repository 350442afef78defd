import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic, DocumentSymbol } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { doc, service } from './support';

/** Deterministic junk: every UTF-16 code unit, lone surrogates and control characters included. */
function junk(length: number, seed: number): string {
  let s = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out += String.fromCharCode(s % 3 === 0 ? s % 0x10000 : 32 + (s % 96));
  }
  return out;
}

const NASTY: { name: string; text: string; codes: string[] }[] = [
  { name: 'empty text', text: '', codes: ['missing-key'] },
  { name: 'only comments', text: '# only\n# comments\n', codes: ['missing-key'] },
  { name: '`space: 5`', text: 'space: 5\n', codes: ['wrong-type'] },
  { name: 'a list at the root', text: '- a\n- b\n', codes: ['wrong-type'] },
  {
    name: 'tabs',
    text: 'space:\n\tstages:\n\t\t- { depth: [1], width: [8] }\n',
    codes: ['yaml-syntax'],
  },
  { name: 'a very long line', text: 'name: ' + 'x'.repeat(200_000) + '\n', codes: ['missing-key'] },
  {
    name: 'binary junk',
    text: '\u0000\u0001\u0002\ufffd\ud800\x7f\x1b[31m: : :\n{[\u0000',
    codes: ['yaml-syntax'],
  },
  { name: 'random junk', text: junk(3000, 7), codes: ['wrong-type'] },
  { name: 'an alias', text: 'space:\n  stages: &a\n    - *a\n', codes: ['wrong-type'] },
  { name: 'two documents', text: '---\nspace: {}\n---\nb: 2\n', codes: ['yaml-syntax'] },
  { name: 'a complex key', text: '? [a]\n: b\n', codes: ['wrong-type'] },
  {
    name: 'nesting within the limit',
    text: 'space: ' + '['.repeat(40) + ']'.repeat(40) + '\n',
    codes: ['wrong-type'],
  },
  {
    name: 'deep nesting',
    text: 'space: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n',
    codes: ['yaml-syntax'],
  },
  {
    name: 'deep block nesting',
    text:
      'space:\n' + Array.from({ length: 150 }, (_, i) => ' '.repeat(i) + '- ').join('\n') + '\n',
    codes: ['yaml-syntax'],
  },
  {
    name: 'unclosed nesting',
    text: 'space: ' + '{a: ['.repeat(100) + '\n',
    codes: ['yaml-syntax'],
  },
  {
    name: 'huge numbers',
    text: 'task: {input: [1e308, 1, 1]}\nspace: {stages: [{depth: [1], width: [8]}]}\n',
    codes: ['out-of-range'],
  },
  {
    name: 'items of the wrong kind',
    text: 'space:\n  stages:\n    - 5\n    - [1]\n    - {depth: {a: 1}}\n    -\n',
    codes: ['wrong-type'],
  },
  {
    name: 'a key without a value at the end',
    text: 'space:\n  stages:\n    - depth:',
    codes: ['missing-key'],
  },
  {
    name: 'CRLF and a BOM',
    text: '\ufeffspace:\r\n  stages:\r\n    - { depth: [1], width: [8], kernel: [4] }\r\n',
    codes: ['even-kernel'],
  },
];

function valid(
  d: TextDocument,
  r: { start: { line: number; character: number }; end: { line: number; character: number } },
): boolean {
  const a = d.offsetAt(r.start);
  const b = d.offsetAt(r.end);
  // offsetAt clamps: a position that round-trips lies inside the document
  const inside = (p: { line: number; character: number }) => {
    const o = d.offsetAt(p);
    const q = d.positionAt(o);
    return q.line === p.line && q.character === p.character;
  };
  return a <= b && inside(r.start) && inside(r.end);
}

function walk(symbols: DocumentSymbol[], f: (s: DocumentSymbol) => void): void {
  for (const s of symbols) {
    f(s);
    walk(s.children ?? [], f);
  }
}

void describe('robustness: nasty inputs give diagnostics and never throw', () => {
  for (const { name, text, codes } of NASTY) {
    void test(name, () => {
      const ls = service({
        memoryLimitBytes: 1024,
        pathExists: () => false,
        resolvePath: (a, b) => `${a}/${b}`,
        uriToPath: () => '/tmp/x.supernet.yaml',
      });
      const d = doc(text);
      const diags: Diagnostic[] = ls.validate(d);
      assert.ok(diags.length > 0, 'at least one diagnostic');
      assert.deepEqual(
        codes.filter((c) => !diags.some((x) => x.code === c)),
        [],
        `expected codes ${codes.join(', ')}; got ${diags.map((x) => x.code).join(', ')}`,
      );
      for (const x of diags) {
        assert.ok(
          valid(d, x.range),
          `range of ${x.code} outside the text: ${JSON.stringify(x.range)}`,
        );
        assert.doesNotMatch(x.message, /undefined|NaN|Infinity|\[object /, x.message);
      }
      // every feature at many positions (all of them in short texts)
      const step = Math.max(1, Math.floor(text.length / 400));
      for (let o = 0; o <= text.length; o += step) {
        const p = d.positionAt(o);
        const h = ls.hover(d, p);
        if (h?.range) assert.ok(valid(d, h.range));
        const c = ls.complete(d, p);
        assert.ok(Array.isArray(c.items));
        const actions = ls.codeActions(d, { start: p, end: d.positionAt(o + 40) });
        assert.ok(Array.isArray(actions));
      }
      const symbols = ls.documentSymbols(d);
      walk(symbols, (s) => assert.ok(valid(d, s.range) && valid(d, s.selectionRange), s.name));
      const lenses = ls.codeLenses(d);
      assert.equal(lenses.length, 3);
      assert.match(lenses[0].command!.title, /^\d+ errors?: fix them to see the search space$/);
    });
  }

  void test('a huge but valid space gives finite facts', () => {
    const text =
      'task: {input: [4096, 4096, 3]}\nspace:\n  stem: { width: 4096 }\n  stages:\n' +
      '    - { depth: [64], width: [4096], kernel: [15], expand: [16] }\n'.repeat(4) +
      '  head: { width: 8192 }\n';
    const ls = service();
    const d = doc(text);
    assert.deepEqual(ls.validate(d), []);
    const facts = ls.analyse(d).facts!;
    assert.ok(Number.isFinite(facts.flops[1]) && Number.isFinite(facts.trainingMemoryBytes));
    assert.match(ls.codeLenses(d)[0].command!.title, /^1 subnet · MACs [\d.]+[kMG]–[\d.]+[kMG]$/);
  });
});
