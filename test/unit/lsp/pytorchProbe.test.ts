import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { MarkupContent } from 'vscode-languageserver-types';
import { configuredPython, PytorchProbe, withPython } from '../../../server/src/lsp/pytorchProbe';
import { PythonSetupError } from '../../../server/src/python/pythonEnv';
import { doc, service, SMALL } from '../language/support';

const FACTS = { python: '3.11.2', executable: '/usr/bin/python3', torch: '1.13.0' };

void describe('the language server’s view of Python', () => {
  void test('the interpreter: the setting once sent, else the one the server started with', () => {
    const started = { SUPERNET_PYTHON: '/opt/a/python' };
    assert.equal(configuredPython(started, undefined), '/opt/a/python');
    assert.equal(configuredPython(started, ' /opt/b/python '), '/opt/b/python');
    assert.equal(configuredPython(started, ''), '/opt/a/python');
    assert.equal(configuredPython({}, null), undefined);
    // Started with the setting over the editor's own value: emptied, the editor's holds again.
    const overridden = {
      SUPERNET_PYTHON: '/opt/b/python',
      SUPERNET_PYTHON_INHERITED: '/opt/a/python',
    };
    assert.equal(configuredPython(overridden, undefined), '/opt/b/python');
    assert.equal(configuredPython(overridden, ''), '/opt/a/python');
    assert.equal(configuredPython({ ...overridden, SUPERNET_PYTHON_INHERITED: '' }, ''), undefined);
  });

  void test('an engine’s environment carries the interpreter, or none', () => {
    const base = { PATH: '/bin', SUPERNET_PYTHON: '/x', SUPERNET_PYTHON_INHERITED: '' };
    assert.deepEqual(withPython(base, '/opt/b/python'), {
      PATH: '/bin',
      SUPERNET_PYTHON: '/opt/b/python',
    });
    assert.deepEqual(withPython(base, undefined), { PATH: '/bin' });
  });

  void test('probed once per interpreter: again only after the setting names another', () => {
    const seen: (string | undefined)[] = [];
    const probe = new PytorchProbe({ SUPERNET_PYTHON: '/good' }, (env) => {
      seen.push(env.SUPERNET_PYTHON);
      if (env.SUPERNET_PYTHON === '/good') return FACTS;
      throw new PythonSetupError(
        `The configured Python cannot run the pytorch backend (${env.SUPERNET_PYTHON}).`,
      );
    });
    assert.deepEqual(probe.status(), { ok: true, facts: FACTS });
    probe.status();
    assert.equal(probe.setPython('/good'), false);
    assert.deepEqual(seen, ['/good']);
    assert.equal(probe.setPython('/bad'), true);
    assert.deepEqual(probe.status(), {
      ok: false,
      reason: 'The configured Python cannot run the pytorch backend (/bad).',
    });
    assert.deepEqual(seen, ['/good', '/bad']);
    assert.equal(probe.env().SUPERNET_PYTHON, '/bad');
  });

  void test('the real probe finds torch in /usr/bin/python3, and the editor then offers and describes pytorch', () => {
    const probe = new PytorchProbe({ ...process.env, SUPERNET_PYTHON: '/usr/bin/python3' });
    const status = probe.status();
    assert.ok(status.ok, status.ok ? '' : status.reason);
    assert.equal(status.facts.executable, '/usr/bin/python3');
    assert.match(status.facts.torch ?? '', /^\d+\.\d+/);
    const ls = service({ pytorchStatus: () => probe.status() });
    const text = `${SMALL}train:\n  backend: pytorch\n`;
    const line = text.split('\n').length - 2;
    assert.deepEqual(ls.validate(doc(text)), []);
    const items = ls.complete(doc(`${SMALL}train:\n  backend: \n`), { line, character: 11 }).items;
    assert.ok(items.some((i) => i.label === 'pytorch'));
    const hover = ls.hover(doc(text), { line, character: 13 });
    assert.match((hover!.contents as MarkupContent).value, /torch \d.*at \/usr\/bin\/python3/);
  });

  void test('a configured interpreter that does not exist: not available, saying what was tried', () => {
    const probe = new PytorchProbe({ ...process.env, SUPERNET_PYTHON: '/nonexistent/python3' });
    const status = probe.status();
    assert.ok(!status.ok);
    assert.match(
      status.reason,
      /The configured Python cannot run the pytorch backend\. Tried \/nonexistent\/python3: not found\./,
    );
  });
});
