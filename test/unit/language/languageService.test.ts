import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from '../../../server/src/language/languageService';
import { SMALL } from './support';

void describe('getLanguageService', () => {
  void test('one analysis per document version', () => {
    const ls = getLanguageService();
    const v1 = TextDocument.create('file:///a.supernet.yaml', 'supernet', 1, SMALL);
    const a1 = ls.analyse(v1);
    assert.equal(ls.analyse(v1), a1, 'the same version is analysed once');
    const v2 = TextDocument.create(
      'file:///a.supernet.yaml',
      'supernet',
      2,
      SMALL + 'train:\n  epocs: 1\n',
    );
    const a2 = ls.analyse(v2);
    assert.notEqual(a2, a1);
    assert.deepEqual(
      a2.problems.map((p) => p.code),
      ['unknown-key'],
    );
    assert.deepEqual(ls.validate(v1), [], 'the old version still validates as it was');
  });

  void test('each document gets its own path for data checks', () => {
    const seen: string[] = [];
    const ls = getLanguageService({
      uriToPath: (u) => u.replace('file://', ''),
      resolvePath: (from, rel) => `${from}|${rel}`,
      pathExists: (p) => (seen.push(p), false),
    });
    const text = SMALL.replace('  classes: 10\n', '  classes: 10\n  path: data\n');
    for (const uri of ['file:///one/x.supernet.yaml', 'file:///two/y.supernet.yaml']) {
      const d = ls.validate(TextDocument.create(uri, 'supernet', 1, text));
      assert.deepEqual(
        d.map((x) => x.code),
        ['path-not-found'],
      );
    }
    assert.deepEqual(seen, ['/one/x.supernet.yaml|data', '/two/y.supernet.yaml|data']);
  });
});
