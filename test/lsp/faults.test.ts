// Fault injection, language server side (issue #26, "Lose nothing"): malformed params, huge
// documents, old Mac line ends. dist/server.js over stdio, driven by a real LSP connection.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseError } from 'vscode-jsonrpc';
import {
  CompletionRequest,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ErrorCodes,
  HoverRequest,
  type CompletionList,
  type DidOpenTextDocumentParams,
  type HoverParams,
  type MarkupContent,
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

  void test('Null LSP parameters: requests get invalid-params naming the parameter, didOpen is dropped with one log line, and the server keeps working', async () => {
    const uri = await open(SMALL);
    await diagnosticsOf(uri);
    const invalid = (param: RegExp) => (e: unknown) =>
      e instanceof ResponseError && e.code === ErrorCodes.InvalidParams && param.test(e.message);
    const nullPosition = { textDocument: { uri }, position: null } as unknown as HoverParams;
    await assert.rejects(
      server.conn.sendRequest(HoverRequest.type, nullPosition),
      invalid(/^textDocument\/hover: `position` must be \{ line, character \}.*; got null$/),
    );
    await assert.rejects(
      server.conn.sendRequest(CompletionRequest.type, nullPosition),
      invalid(/^textDocument\/completion: `position` must be \{ line, character \}.*; got null$/),
    );
    await assert.rejects(
      server.conn.sendRequest(HoverRequest.type, {
        textDocument: null,
        position: { line: 0, character: 0 },
      } as unknown as HoverParams),
      invalid(/^textDocument\/hover: `textDocument.uri` must be a string; got null$/),
    );

    const dropped = 'file:///faults/null-text.supernet.yaml';
    await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: dropped, languageId: 'supernet', version: 1, text: null },
    } as unknown as DidOpenTextDocumentParams);
    // Answered after the didOpen was handled: messages are handled in order.
    const hover = await server.conn.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 1 },
    });
    assert.match((hover?.contents as MarkupContent).value, /Name of the run/);
    const about = server.logs.filter((l) => l.message.includes('textDocument/didOpen'));
    assert.deepEqual(
      about.map((l) => l.message),
      [
        'supernet: dropped a notification: textDocument/didOpen: `textDocument.text` must be a string; got null',
      ],
    );
    assert.ok(!server.diagnostics.some((p) => p.uri === dropped), 'nothing published for it');
    assert.deepEqual(
      await server.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: dropped } }),
      [],
      'and it is not open',
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

  void test('A file with CR-only line endings: its problems are on their lines, completion offers keys', async () => {
    const text = SMALL.replace('  head:', '  haed:').replace(/\n/g, '\r');
    const uri = await open(text);
    const published = await diagnosticsOf(uri);
    assert.deepEqual(
      published.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character]),
      [['unknown-key', 5, 2]],
    );
    // On the empty entry under `train:` (line 7: `  batchSize: 8`, then a blank one).
    const withBlank = await open(SMALL.replace(/\n/g, '\r') + '  \r');
    await diagnosticsOf(withBlank);
    const list = (await server.conn.sendRequest(CompletionRequest.type, {
      textDocument: { uri: withBlank },
      position: { line: 8, character: 2 },
    })) as CompletionList;
    const labels = list.items.map((i) => i.label);
    assert.ok(labels.includes('steps') && !labels.includes('batchSize'), labels.join(', '));
  });

  void test('the server logged no internal TypeError', () => {
    assert.deepEqual(
      server.logs.filter((l) => /TypeError|request failed|validation failed/.test(l.message)),
      [],
    );
  });
});
