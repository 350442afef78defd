import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompletionItemKind,
  InsertTextFormat,
  type CompletionItem,
  type TextEdit,
} from 'vscode-languageserver-types';
import { doc, service, span } from './support';

function complete(text: string, line: number, character: number): CompletionItem[] {
  return service().complete(doc(text), { line, character }).items;
}

const labels = (items: CompletionItem[]) => items.map((i) => i.label);
const item = (items: CompletionItem[], label: string): CompletionItem => {
  const found = items.find((i) => i.label === label);
  assert.ok(found, `no completion '${label}' among ${labels(items).join(', ')}`);
  return found;
};
const edit = (i: CompletionItem) => i.textEdit as TextEdit;

void describe('completion of keys', () => {
  void test('top level: the sections not yet written', () => {
    const items = complete('name: x\n\ntrain:\n  epochs: 1\n', 1, 0);
    assert.deepEqual(labels(items), ['task', 'space', 'search']);
    const space = item(items, 'space');
    assert.equal(space.kind, CompletionItemKind.Property);
    assert.equal(space.insertTextFormat, InsertTextFormat.Snippet);
    assert.equal(edit(space).newText, 'space:\n\t$0');
    assert.deepEqual(span(edit(space).range), [1, 0, 1, 0]);
    assert.match((space.documentation as { value: string }).value, /^The search space/);
  });

  void test('inside `train:` — every train key but the present ones, with snippets', () => {
    const items = complete('train:\n  epochs: 1\n  \n', 2, 2);
    assert.deepEqual(labels(items), [
      'steps',
      'batchSize',
      'optimizer',
      'schedule',
      'weightDecay',
      'weightDecayScope',
      'sampler',
      'distillation',
      'augment',
      'kernelTransform',
      'zeroInitResidual',
      'progressiveShrinking',
      'channelSorting',
      'delayedShrinking',
      'deps',
      'fewShot',
      'seed',
      'backend',
      'pytorch',
      'checkpointEvery',
    ]);
    assert.equal(edit(item(items, 'batchSize')).newText, 'batchSize: ${1:64}');
    assert.equal(edit(item(items, 'distillation')).newText, 'distillation: ${1|true,false|}');
    assert.equal(
      edit(item(items, 'backend')).newText,
      'backend: ${1|auto,tensorflow-gpu,tensorflow,wasm,cpu,pytorch|}',
    );
    assert.equal(item(items, 'batchSize').detail, 'an integer');
  });

  void test('a partly typed key is replaced as a whole', () => {
    const items = complete('train:\n  batc\n', 1, 6);
    const b = item(items, 'batchSize');
    assert.deepEqual(span(edit(b).range), [1, 2, 1, 6]);
  });

  void test('inside a stage list item after `- `', () => {
    const items = complete('space:\n  stages:\n    - \n', 2, 6);
    assert.deepEqual(labels(items), ['depth', 'width', 'kernel', 'expand', 'stride']);
    assert.equal(edit(item(items, 'depth')).newText, 'depth: [${1:1, 2}]');
    assert.equal(edit(item(items, 'kernel')).newText, 'kernel: [${1:3, 5, 7}]');
    assert.deepEqual(span(edit(item(items, 'depth')).range), [2, 6, 2, 6]);
  });

  void test('on the next line of a stage item: the keys it lacks', () => {
    const items = complete('space:\n  stages:\n    - depth: [1]\n      width: [8]\n      \n', 4, 6);
    assert.deepEqual(labels(items), ['kernel', 'expand', 'stride']);
  });

  void test('objective names inside `objectives:`, without the present ones', () => {
    const items = complete('search:\n  objectives:\n    accuracy: max\n    \n', 3, 4);
    // `flops`, the older name of `macs`, last.
    assert.deepEqual(labels(items), ['macs', 'params', 'latency', 'flops']);
    assert.equal(edit(item(items, 'macs')).newText, 'macs: ${1|max,min|}');
    assert.match(
      (item(items, 'latency').documentation as { value: string }).value,
      /^Median latency/,
    );
  });
});

void describe('completion of values', () => {
  void test('an enum: `type: ` under optimizer gives sgd (the default, preselected) and adam', () => {
    const items = complete('train:\n  optimizer:\n    type: \n', 2, 10);
    assert.deepEqual(labels(items), ['sgd', 'adam']);
    assert.equal(item(items, 'sgd').preselect, true);
    assert.equal(item(items, 'adam').preselect, undefined);
    assert.equal(item(items, 'adam').kind, CompletionItemKind.EnumMember);
    assert.match((item(items, 'adam').documentation as { value: string }).value, /^Adam/);
    assert.deepEqual(span(edit(item(items, 'adam')).range), [2, 10, 2, 10]);
  });

  void test('a partly typed value is replaced', () => {
    const items = complete('train:\n  optimizer:\n    type: ad\n', 2, 12);
    assert.deepEqual(span(edit(item(items, 'adam')).range), [2, 10, 2, 12]);
  });

  void test('an enum right after the colon gets no leading space trouble', () => {
    assert.deepEqual(labels(complete('train:\n  sampler:\n    type:\n', 2, 9)), [
      'uniform',
      'sandwich',
      'complexity-aware',
      'importance',
      'pada',
      'shiftnas',
    ]);
  });

  void test('booleans', () => {
    const items = complete('train:\n  distillation: \n', 1, 16);
    assert.deepEqual(labels(items), ['true', 'false']);
    assert.equal(item(items, 'true').preselect, true);
  });

  void test('an objective’s direction', () => {
    assert.deepEqual(labels(complete('search:\n  objectives:\n    flops: \n', 2, 11)), [
      'max',
      'min',
    ]);
  });

  void test('a number offers its default; choices their example', () => {
    assert.deepEqual(labels(complete('train:\n  batchSize: \n', 1, 13)), ['64']);
    assert.deepEqual(labels(complete('space:\n  stages:\n    - depth: \n', 2, 13)), ['[1, 2]']);
  });

  void test('nothing outside the schema', () => {
    assert.deepEqual(complete('foo:\n  \n', 1, 2), []);
    assert.deepEqual(complete('name: x\n', 0, 7), []);
  });
});

void describe('completion inside flow mappings', () => {
  void test('enum values after `type: ` in `{ }`, closed or still open', () => {
    for (const text of ['train:\n  optimizer: { type: }', 'train:\n  optimizer: { type: ']) {
      const items = complete(text, 1, '  optimizer: { type: '.length);
      assert.deepEqual(labels(items), ['sgd', 'adam'], JSON.stringify(text));
    }
  });

  void test('a partly typed value in a flow mapping is replaced as a whole', () => {
    const text = 'train:\n  optimizer: { type: ad, lr: 0.1 }';
    const at = '  optimizer: { type: a'.length;
    const adam = item(complete(text, 1, at), 'adam');
    assert.deepEqual(span(edit(adam).range), [1, at - 1, 1, at + 1]);
  });

  void test('keys after a comma: the entries the mapping lacks, inserted on one line', () => {
    const text = 'train:\n  sampler: { type: sandwich,  }';
    const items = complete(text, 1, '  sampler: { type: sandwich, '.length);
    assert.ok(!labels(items).includes('type'));
    assert.ok(labels(items).includes('subnets'));
    assert.ok(items.every((i) => !edit(i).newText.includes('\n')));
    // A stage entry is a flow mapping in a list: its keys come too.
    const stage = 'space:\n  stages:\n    - { depth: [1, 2],  }';
    const keys = labels(complete(stage, 2, '    - { depth: [1, 2], '.length));
    assert.ok(keys.includes('width') && keys.includes('kernel') && !keys.includes('depth'));
  });

  void test('braces inside quotes do not open a mapping', () => {
    const text = 'name: "a{b"\ntrain:\n  optimizer:\n    type: ';
    assert.deepEqual(labels(complete(text, 3, '    type: '.length)), ['sgd', 'adam']);
  });
});
