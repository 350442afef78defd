import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import { Commands } from '../../../server/src/language/codeLens';
import { doc, service, SMALL, span, URI } from './support';

const TEXT =
  SMALL.replace(
    '  head: { width: 16 }\n',
    '    - depth: [1]\n      width: [16]\n  head: { width: 16 }\n',
  ) + 'search:\n  population: 8\n';
// lines 0–2 task, 3–10 space (stage 1 on line 7, stage 2 on lines 8–9, head 10), 11–12 search

const byName = (s: DocumentSymbol[], name: string): DocumentSymbol => {
  const found = s.find((x) => x.name === name);
  assert.ok(found, `no symbol '${name}' among ${s.map((x) => x.name).join(', ')}`);
  return found;
};

void describe('document symbols', () => {
  void test('sections at the top, with their keys', () => {
    const symbols = service().documentSymbols(doc(TEXT));
    assert.deepEqual(
      symbols.map((s) => s.name),
      ['task', 'space', 'search'],
    );
    assert.ok(symbols.every((s) => s.kind === SymbolKind.Module));
    const task = byName(symbols, 'task');
    assert.deepEqual(span(task.selectionRange), [0, 0, 0, 4]);
    assert.deepEqual(
      task.children!.map((c) => c.name),
      ['input', 'classes'],
    );
    assert.equal(byName(task.children!, 'classes').detail, '10');
    assert.equal(byName(task.children!, 'classes').kind, SymbolKind.Property);
    const space = byName(symbols, 'space');
    assert.deepEqual(span(space.selectionRange), [3, 0, 3, 5]);
    assert.equal(space.range.start.line, 3);
    assert.ok(space.range.end.line >= 10, 'the space symbol spans its stages and head');
    assert.deepEqual(
      space.children!.map((c) => c.name),
      ['resolution', 'stem', 'stages', 'head'],
    );
  });

  void test('stages are named `stage 1`, `stage 2` with their settings', () => {
    const space = byName(service().documentSymbols(doc(TEXT)), 'space');
    const stages = byName(space.children!, 'stages');
    assert.equal(stages.kind, SymbolKind.Object);
    assert.deepEqual(
      stages.children!.map((c) => c.name),
      ['stage 1', 'stage 2'],
    );
    const [s1, s2] = stages.children!;
    assert.equal(s1.detail, 'depth 1–2 · width 8–16 · stride 2');
    assert.equal(s2.detail, 'depth 1 · width 16');
    assert.equal(s1.kind, SymbolKind.Struct);
    assert.deepEqual(span(s1.range), [7, 6, 7, 82]);
    assert.equal(s2.range.start.line, 8);
    assert.deepEqual(
      s1.children!.map((c) => c.name),
      ['depth', 'width', 'kernel', 'expand', 'stride'],
    );
    assert.deepEqual(span(byName(s1.children!, 'stride').selectionRange), [7, 71, 7, 77]);
  });

  void test('no symbols for a document that is not a mapping', () => {
    assert.deepEqual(service().documentSymbols(doc('- a\n- b\n')), []);
    assert.deepEqual(service().documentSymbols(doc('')), []);
  });
});

void describe('code lens', () => {
  void test('line 0: the size of the space, then Train and Search for this file', () => {
    const lenses = service().codeLenses(doc(TEXT));
    assert.equal(lenses.length, 3);
    for (const l of lenses) assert.deepEqual(span(l.range), [0, 0, 0, 0]);
    // stage 1: 2 widths × (4 + 16) = 40; stage 2: one width, default kernels 3/5/7 × expands 3/4/6 = 9; 2 resolutions
    // 2 × 40 × 9 = 720 subnets. Stage 2 (c 8→16, stride 1) adds to the small space's subnets:
    // smallest (3×3 map, k3 e3, hid 24): expand 9·8·24 = 1728, dw 9·9·24 = 1944, project 9·24·16 = 3456, head now 9·16·16 = 2304
    //   2592 (stem) + 3528 (stage 1) + 1728 + 1944 + 3456 + 2304 + 160 = 15712
    // largest (4×4 map, k7 e6, hid 96): expand 16·16·96 = 24576, dw 16·49·96 = 75264, project 16·96·16 = 24576, head 4096
    //   4608 + 47872 + 24576 + 75264 + 24576 + 4096 + 160 = 181152
    assert.deepEqual(lenses[0].command, {
      title: '720 subnets · MACs 15.7k–181k',
      command: Commands.showFacts,
      arguments: [URI],
    });
    assert.deepEqual(lenses[1].command, {
      title: '$(play) Train',
      command: 'supernet.train',
      arguments: [URI],
    });
    assert.deepEqual(lenses[2].command, {
      title: '$(search) Search',
      command: 'supernet.search',
      arguments: [URI],
    });
  });

  void test('the small space: 80 subnets, FLOPs 7.43k–56.7k (hand-computed in space/facts.test.ts)', () => {
    assert.equal(
      service().codeLenses(doc(SMALL))[0].command!.title,
      '80 subnets · MACs 7.43k–56.7k',
    );
  });

  void test('with errors the lens counts them and still offers Train and Search', () => {
    const lenses = service().codeLenses(
      doc(SMALL.replace('stride: 2 }', 'stride: 3 }') + 'train:\n  batchSize: 0\n'),
    );
    assert.equal(lenses[0].command!.title, '2 errors: fix them to see the search space');
    assert.equal(lenses[1].command!.command, Commands.train);
    assert.equal(
      service().codeLenses(doc('name: x\n'))[0].command!.title,
      '1 error: fix them to see the search space',
    );
  });
});
