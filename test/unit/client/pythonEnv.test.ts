import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pythonEnvFor } from '../../../client/src/pythonEnv';
import { configuredPython } from '../../../server/src/lsp/pytorchProbe';

const root = path.resolve(__dirname, '../../../..');

void test('supernet.python: a machine setting, empty by default', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    contributes: {
      configuration: { properties: Record<string, { scope?: string; default?: unknown }> };
    };
  };
  const p = pkg.contributes.configuration.properties['supernet.python'];
  assert.equal(p.scope, 'machine');
  assert.equal(p.default, '');
});

void test('the server starts with the setting as SUPERNET_PYTHON; empty, the inherited one stays', () => {
  const inherited = { SUPERNET_PYTHON: '/opt/a/python' };
  assert.equal(pythonEnvFor('', inherited), undefined);
  assert.equal(pythonEnvFor('  ', inherited), undefined);
  assert.equal(pythonEnvFor(undefined, {}), undefined);
  assert.deepEqual(pythonEnvFor(' /opt/b/python ', inherited), {
    SUPERNET_PYTHON: '/opt/b/python',
    SUPERNET_PYTHON_INHERITED: '/opt/a/python',
  });
  assert.deepEqual(pythonEnvFor('/opt/b/python', {}), {
    SUPERNET_PYTHON: '/opt/b/python',
    SUPERNET_PYTHON_INHERITED: '',
  });
});

void test('the server reads what the client wrote: the setting wins, emptied the inherited one is back', () => {
  const inherited = { PATH: '/bin', SUPERNET_PYTHON: '/opt/a/python' };
  // As vscode-languageclient starts the server: the inherited environment, then ours over it.
  const started = { ...inherited, ...pythonEnvFor('/opt/b/python', inherited) };
  assert.equal(configuredPython(started, undefined), '/opt/b/python');
  assert.equal(configuredPython(started, '/opt/b/python'), '/opt/b/python');
  assert.equal(configuredPython(started, ''), '/opt/a/python');
  assert.equal(
    configuredPython({ ...inherited, ...pythonEnvFor('', inherited) }, ''),
    '/opt/a/python',
  );
});
