import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { resolveConfig } from '../../../server/src/config/resolve';
import { getLanguageService } from '../../../server/src/language/languageService';

const repoRoot = path.resolve(__dirname, '../../../..');
const examplesDir = path.join(repoRoot, 'examples');
const examples = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.supernet.yaml'));

function validate(name: string, text: string) {
  return getLanguageService().validate(
    TextDocument.create(`file:///examples/${name}`, 'supernet', 1, text),
  );
}

void describe('shipped configs validate with zero problems', () => {
  void test('there are examples to check', () => {
    assert.ok(examples.length >= 4, examples.join(', '));
  });

  for (const name of examples) {
    void test(`examples/${name}`, () => {
      const text = fs.readFileSync(path.join(examplesDir, name), 'utf8');
      assert.deepEqual(validate(name, text), []);
      const r = resolveConfig(text);
      assert.ok(r.readable);
      assert.deepEqual(r.errorPaths, []);
      assert.ok(
        getLanguageService().analyse(TextDocument.create('file:///e', 'supernet', 1, text)).facts,
        'facts are computed',
      );
    });
  }

  void test('the starter config of `Supernet: New Config`', () => {
    const starter = fs.readFileSync(path.join(examplesDir, 'starter.supernet.yaml'), 'utf8');
    assert.deepEqual(validate('starter.supernet.yaml', starter), []);
    const c = resolveConfig(starter).config;
    assert.equal(c.name, 'example');
    assert.deepEqual(c.space.resolution, [20, 24, 28]);
    assert.equal(c.space.stages.length, 2);
  });
});
