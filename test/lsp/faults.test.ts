// Fault injection, language server side (issue #26, "Lose nothing"): malformed params, huge
// documents, old Mac line ends. dist/server.js over stdio, driven by a real LSP connection.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompletionRequest,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  type CompletionList,
} from 'vscode-languageserver-protocol';
import { startServer, type ServerHandle } from './harness';

const SMALL = `name: small
space:
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3], expand: [1, 2], stride: 2 }
  head: { width: 16 }
train:
  batchSize: 8
`;

void describe('language server faults', () => {
  let server: ServerHandle;
  let opened = 0;

  /** Opens `text` as a new document and returns its uri. */
  async function open(text: string): Promise<string> {
    const uri = `file:///faults/${++opened}.supernet.yaml`;
    await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'supernet', version: 1, text },
    });
    return uri;
  }
  const diagnosticsOf = (uri: string, timeoutMs?: number) =>
    server.waitForDiagnostics((p) => p.uri === uri, timeoutMs);

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.dispose();
  });

  void test('Completion blocks the language server on a 1.4 MB document: it answers at once and empty, as the other features refuse it', async () => {
    const stage =
      '    - { depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2], stride: 1 }\n';
    const head = 'name: big\nspace:\n  stem: { width: 8, kernel: 3, stride: 1 }\n  stages:\n';
    const text = head + stage.repeat(17_000) + '  head: { width: 8 }\ntrain:\n  \n';
    assert.ok(text.length > 1.4e6);
    const uri = await open(text);
    const published = await diagnosticsOf(uri);
    assert.equal(published.diagnostics.length, 1);
    assert.match(published.diagnostics[0].message, /more than the 256 KiB a config may have/);

    const lastLine = text.split('\n').length - 2;
    const t0 = performance.now();
    const list = (await server.conn.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line: lastLine, character: 2 },
    })) as CompletionList;
    const ms = performance.now() - t0;
    assert.deepEqual(list.items, []);
    assert.ok(ms < 300, `completion took ${ms.toFixed(0)} ms`);
    assert.deepEqual(
      await server.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }),
      [],
    );
  });

  void test('20,000 unknown keys: a hundred diagnostics and one that counts the rest, in well under a second and a half', async () => {
    let text = SMALL;
    for (let i = 0; i < 20_000; i++) text += `k${i}: 1\n`;
    const t0 = performance.now();
    const uri = await open(text);
    const published = await diagnosticsOf(uri, 10_000);
    const ms = performance.now() - t0;
    const unknown = published.diagnostics.filter((d) => d.code === 'unknown-key');
    assert.equal(unknown.length, 101);
    assert.equal(
      unknown[100].message,
      '… and 19,900 more unknown-key problems, not shown: fix these first.',
    );
    // At the first one left out.
    assert.equal(unknown[100].range.start.line, SMALL.split('\n').length - 1 + 100);
    assert.ok(ms < 1500, `diagnostics took ${ms.toFixed(0)} ms`);
  });
});
