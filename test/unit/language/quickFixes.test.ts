import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver-types';
import { applyEdit, doc, service, SMALL, smallWith, URI } from './support';

/**
 * The quick fix for the one diagnostic with `code`: asked for over the diagnostic's
 * range, applied to the text; the result must validate without that problem.
 */
function fix(
  text: string,
  code: string,
  expectTitle: string,
): { fixed: string; action: CodeAction } {
  const ls = service();
  const d = doc(text);
  const diags = ls.validate(d).filter((x) => x.code === code);
  assert.equal(diags.length, 1, `one '${code}' diagnostic expected`);
  const actions = ls.codeActions(d, diags[0].range);
  const action = actions.find((a) => (a.diagnostics as Diagnostic[])[0].code === code);
  assert.ok(action, `no quick fix for '${code}'`);
  assert.equal(action.title, expectTitle);
  assert.equal(action.kind, CodeActionKind.QuickFix);
  assert.equal(action.isPreferred, true);
  assert.deepEqual(action.diagnostics![0].range, diags[0].range);
  const fixed = applyEdit(text, action.edit, URI);
  const after = ls.validate(doc(fixed)).filter((x) => x.code === code);
  assert.deepEqual(after, [], `'${code}' is still there after the fix:\n${fixed}`);
  return { fixed, action };
}

void describe('quick fixes', () => {
  void test('sort choices', () => {
    const { fixed } = fix(
      smallWith('resolution: [6, 8]', 'resolution: [8, 6]'),
      'unsorted-choices',
      'Sort choices: [6, 8]',
    );
    assert.equal(fixed, SMALL);
  });

  void test('remove duplicates (and sort)', () => {
    const { fixed } = fix(
      smallWith('kernel: [3, 5]', 'kernel: [5, 3, 5]'),
      'duplicate-choices',
      'Remove duplicates: [3, 5]',
    );
    assert.equal(fixed, SMALL);
  });

  void test('did-you-mean for an unknown key', () => {
    const { fixed } = fix(SMALL + 'train:\n  epocs: 3\n', 'unknown-key', "Change to 'epochs'");
    assert.equal(fixed, SMALL + 'train:\n  epochs: 3\n');
    assert.deepEqual(service().validate(doc(fixed)), []);
  });

  void test('did-you-mean for an unknown objective', () => {
    const { fixed } = fix(
      SMALL + 'search:\n  objectives: { acuracy: max }\n',
      'unknown-key',
      "Change to 'accuracy'",
    );
    assert.equal(fixed, SMALL + 'search:\n  objectives: { accuracy: max }\n');
  });

  void test('did-you-mean for an unknown enum value', () => {
    const { fixed } = fix(
      SMALL + 'train:\n  optimizer: { type: adma }\n',
      'unknown-value',
      "Change to 'adam'",
    );
    assert.equal(fixed, SMALL + 'train:\n  optimizer: { type: adam }\n');
    assert.deepEqual(service().validate(doc(fixed)), []);
  });

  void test('set an infeasible upper bound to the smallest subnet’s FLOPs, keeping the quotes', () => {
    const { fixed } = fix(
      SMALL + 'search:\n  constraints: ["macs <= 7k"]\n',
      'infeasible-constraint',
      'Set the constraint to the feasible bound: macs <= 7.432k',
    );
    assert.equal(fixed, SMALL + 'search:\n  constraints: ["macs <= 7.432k"]\n');
    assert.deepEqual(
      service().validate(doc(fixed)),
      [],
      'the bound is exactly the smallest subnet: feasible and not redundant',
    );
  });

  void test('`flops`, the older name of `macs`: an objective key and a constraint are renamed', () => {
    const objective = fix(
      SMALL + 'search:\n  objectives: { accuracy: max, flops: min }\n',
      'older-name',
      'Rename to macs',
    );
    assert.equal(objective.fixed, SMALL + 'search:\n  objectives: { accuracy: max, macs: min }\n');
    assert.deepEqual(service().validate(doc(objective.fixed)), []);
    const constraint = fix(
      SMALL + "search:\n  constraints: ['flops <= 20k']\n",
      'older-name',
      'Rename to macs <= 20k',
    );
    assert.equal(constraint.fixed, SMALL + "search:\n  constraints: ['macs <= 20k']\n");
    assert.deepEqual(service().validate(doc(constraint.fixed)), []);
  });

  void test('set an infeasible strict parameter bound', () => {
    const { fixed } = fix(
      SMALL + "search:\n  constraints: ['params < 666']\n",
      'infeasible-constraint',
      'Set the constraint to the feasible bound: params <= 666',
    );
    assert.equal(fixed, SMALL + "search:\n  constraints: ['params <= 666']\n");
  });

  void test('set an infeasible lower bound to the largest subnet’s parameters, in a block list', () => {
    const { fixed } = fix(
      SMALL + 'search:\n  constraints:\n    - params >= 4k\n',
      'infeasible-constraint',
      'Set the constraint to the feasible bound: params >= 3.41k',
    );
    assert.equal(fixed, SMALL + 'search:\n  constraints:\n    - params >= 3.41k\n');
    assert.deepEqual(service().validate(doc(fixed)), []);
  });

  void test('a single number for choices becomes a list', () => {
    const { fixed } = fix(smallWith('depth: [1, 2]', 'depth: 2'), 'wrong-type', 'Change to [2]');
    assert.equal(fixed, smallWith('depth: [1, 2]', 'depth: [2]'));
  });

  void test('even kernel and small population', () => {
    assert.equal(
      fix(smallWith('kernel: [3, 5]', 'kernel: [3, 4]'), 'even-kernel', 'Change to 5').fixed,
      smallWith('kernel: [3, 5]', 'kernel: [3, 5]'),
    );
    assert.equal(
      fix(SMALL + 'search:\n  population: 2\n', 'population-too-small', 'Set the population to 4')
        .fixed,
      SMALL + 'search:\n  population: 4\n',
    );
  });

  void test('no actions away from the problems or for problems without a fix', () => {
    const ls = service();
    const text = SMALL + 'train:\n  epocs: 3\n  batchSize: 0\n';
    const d = doc(text);
    assert.deepEqual(
      ls.codeActions(d, { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } }),
      [],
    );
    // out-of-range carries no replacement
    assert.deepEqual(
      ls.codeActions(d, { start: { line: 11, character: 13 }, end: { line: 11, character: 14 } }),
      [],
    );
    // the whole document: the one fixable problem
    const all = ls.codeActions(d, {
      start: { line: 0, character: 0 },
      end: { line: 12, character: 0 },
    });
    assert.deepEqual(
      all.map((a) => a.title),
      ["Change to 'epochs'"],
    );
  });
});
