// The language server as an editor sees it: dist/server.js over stdio, driven by a real LSP client connection.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  HoverRequest,
  ShutdownRequest,
  TextDocumentSyncKind,
  type CodeAction,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type MarkupContent,
  type Position,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { EXAMPLES, startServer, withTimeout, type ServerHandle } from './harness';

const TINY = readFileSync(path.join(EXAMPLES, 'tiny.supernet.yaml'), 'utf8');
// Stage 1's kernel choices [3, 5] become [3, 4]: one even-kernel error with a quick fix.
const STAGE1 =
  '    - { depth: [1, 2], width: [16, 24], kernel: [3, 5], expand: [2, 3], stride: 2 }';
assert.ok(TINY.includes(STAGE1), 'tiny example changed: update the test');
const EVEN_KERNEL = TINY.replace(STAGE1, STAGE1.replace('kernel: [3, 5]', 'kernel: [3, 4]'));

/** Line/character of the `nth` occurrence of `needle` in `text` (plus `shift` characters). */
function posOf(text: string, needle: string, shift = 0, nth = 0): Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `'${needle}' not in the text`);
  }
  const doc = TextDocument.create('file:///p', 'supernet', 0, text);
  return doc.positionAt(at + shift);
}

void describe('language server over stdio', () => {
  let server: ServerHandle;
  // The client's copy of the document; kept in step with every change sent.
  let doc: TextDocument;
  const uri = pathToFileURL(path.join(EXAMPLES, 'edited.supernet.yaml')).href;

  const diagnosticsFor = (version: number): Promise<PublishDiagnosticsParams> =>
    server.waitForDiagnostics((p) => p.uri === uri && p.version === version);

  async function change(
    changes: TextDocumentContentChangeEvent[],
  ): Promise<PublishDiagnosticsParams> {
    doc = TextDocument.update(doc, changes, doc.version + 1);
    await server.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: doc.version },
      contentChanges: changes,
    });
    return diagnosticsFor(doc.version);
  }

  const codes = (ds: Diagnostic[]) => ds.map((d) => d.code).sort();

  before(async () => {
    server = await startServer({ configuration: () => ({ memoryLimitGiB: null }) });
  });

  after(async () => {
    await server?.dispose();
  });

  void test('initialize announces the features', () => {
    const caps = server.initializeResult.capabilities;
    assert.equal(caps.textDocumentSync, TextDocumentSyncKind.Incremental);
    assert.equal(caps.hoverProvider, true);
    assert.ok(caps.completionProvider);
    assert.deepEqual(caps.codeActionProvider, { codeActionKinds: [CodeActionKind.QuickFix] });
    assert.equal(caps.documentSymbolProvider, true);
    assert.ok(caps.codeLensProvider);
    assert.equal(server.initializeResult.serverInfo?.name, 'supernet-language-server');
  });

  void test('didOpen of a config with an error publishes that error', async () => {
    doc = TextDocument.create(uri, 'supernet', 1, EVEN_KERNEL);
    await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'supernet', version: 1, text: EVEN_KERNEL },
    });
    const p = await diagnosticsFor(1);
    assert.equal(p.diagnostics.length, 1, JSON.stringify(p.diagnostics));
    const [d] = p.diagnostics;
    assert.equal(d.code, 'even-kernel');
    assert.equal(d.severity, DiagnosticSeverity.Error);
    assert.equal(d.source, 'supernet');
    assert.match(d.message, /Kernel size 4 is even/);
    const at = posOf(EVEN_KERNEL, 'kernel: [3, 4]', 'kernel: [3, '.length);
    assert.deepEqual(d.range, { start: at, end: { line: at.line, character: at.character + 1 } });
    assert.equal(doc.getText(d.range), '4');
  });

  void test('the server asked the client for its settings', () => {
    assert.ok(server.configurationRequests >= 1);
  });

  void test('an incremental change that fixes the error and adds another publishes the new one', async () => {
    const kernel = posOf(doc.getText(), 'kernel: [3, 4]', 'kernel: [3, '.length);
    const stride = posOf(doc.getText(), 'stride: 2 }', 'stride: '.length);
    const p = await change([
      {
        range: { start: kernel, end: { line: kernel.line, character: kernel.character + 1 } },
        text: '5',
      },
      {
        range: { start: stride, end: { line: stride.line, character: stride.character + 1 } },
        text: '3',
      },
    ]);
    assert.equal(doc.getText(), TINY.replace('stride: 2 }', 'stride: 3 }'));
    assert.deepEqual(codes(p.diagnostics), ['bad-stride']);
    const [d] = p.diagnostics;
    assert.equal(d.severity, DiagnosticSeverity.Error);
    assert.equal(d.message, 'Stride must be 1 or 2; got 3.');
    assert.deepEqual(d.range.start, stride);
  });

  void test('code lens reports the errors while the space is broken', async () => {
    const lenses = await server.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    assert.ok(lenses);
    assert.equal(lenses[0].command?.title, '1 error: fix them to see the search space');
  });

  void test('a full-text change with a typo, then its quick fix, leaves a clean config', async () => {
    const typo = TINY.replace('type: sgd', 'type: sdg');
    let p = await change([{ text: typo }]);
    assert.deepEqual(codes(p.diagnostics), ['unknown-value']);
    const [d] = p.diagnostics;
    assert.match(d.message, /did you mean 'sgd'/);
    assert.equal(doc.getText(d.range), 'sdg');

    const actions = await server.conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: d.range,
      context: { diagnostics: [d], only: [CodeActionKind.QuickFix] },
    });
    assert.ok(actions && actions.length === 1, JSON.stringify(actions));
    const action = actions[0] as CodeAction;
    assert.equal(action.title, "Change to 'sgd'");
    assert.equal(action.kind, CodeActionKind.QuickFix);
    const edits = action.edit?.changes?.[uri];
    assert.ok(edits?.length, 'the quick fix carries an edit for this document');
    // Apply the workspace edit as the editor would, then send the result as incremental changes.
    const fixed = TextDocument.applyEdits(doc, edits);
    assert.equal(fixed, TINY);
    p = await change(edits.map((e) => ({ range: e.range, text: e.newText })));
    assert.equal(doc.getText(), TINY);
    assert.deepEqual(p.diagnostics, []);
  });

  void test('hover over a key documents it; over the space, shows its facts; over a comment, nothing', async () => {
    const epochs = posOf(doc.getText(), 'epochs:', 1);
    const h = await server.conn.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: epochs,
    });
    assert.ok(h);
    const md = h.contents as MarkupContent;
    assert.equal(md.kind, 'markdown');
    assert.match(md.value, /`train\.epochs`/);
    assert.match(md.value, /Passes over the training split/);
    assert.deepEqual(h.range, {
      start: { line: epochs.line, character: 2 },
      end: { line: epochs.line, character: 8 },
    });

    const space = await server.conn.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: posOf(doc.getText(), '\nspace:', 2),
    });
    assert.match((space?.contents as MarkupContent).value, /\*\*Search space:\*\* [\d,]+ subnets/);

    const comment = await server.conn.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 4 },
    });
    assert.equal(comment, null);
  });

  void test('completion offers enum values after a key and missing keys at a key', async () => {
    const text = doc.getText();
    const value = await server.conn.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: posOf(text, 'algorithm: ', 'algorithm: '.length),
    });
    assert.ok(value);
    const valueItems = Array.isArray(value) ? value : (value as CompletionList).items;
    assert.deepEqual(valueItems.map((i) => i.label).sort(), ['nsga2', 'random']);

    const key = await server.conn.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: posOf(text, '  epochs:', 2),
    });
    const labels = (Array.isArray(key) ? key : (key as CompletionList).items).map((i) => i.label);
    assert.ok(labels.includes('epochs'), labels.join());
    assert.ok(!labels.includes('batchSize'), 'keys already present are not offered');

    const inComment = await server.conn.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 10 },
    });
    assert.deepEqual(Array.isArray(inComment) ? inComment : inComment?.items, []);
  });

  void test('document symbols outline the sections and name the stages', async () => {
    const symbols = (await server.conn.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri },
    })) as DocumentSymbol[];
    assert.deepEqual(
      symbols.map((s) => s.name),
      ['name', 'task', 'space', 'train', 'search'],
    );
    const space = symbols.find((s) => s.name === 'space')!;
    assert.equal(space.range.start.line, posOf(doc.getText(), '\nspace:', 1).line);
    const stages = space.children?.find((s) => s.name === 'stages');
    assert.deepEqual(
      stages?.children?.map((s) => s.name),
      ['stage 1', 'stage 2'],
    );
    assert.match(stages!.children![0].detail ?? '', /depth 1–2 · width 16–24 · stride 2/);
  });

  void test('code lens summarises a clean space and offers Train and Search', async () => {
    const lenses = await server.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    assert.ok(lenses);
    assert.equal(lenses.length, 3);
    assert.match(lenses[0].command!.title, /^[\d,]+ subnets · MACs \S+–\S+$/);
    assert.deepEqual(
      lenses.map((l) => l.command?.command),
      ['supernet.showFacts', 'supernet.train', 'supernet.search'],
    );
    for (const l of lenses) assert.deepEqual(l.command?.arguments, [uri]);
  });

  void test('requests for a document that is not open answer empty', async () => {
    const other = { uri: 'file:///not/open.supernet.yaml' };
    assert.equal(
      await server.conn.sendRequest(HoverRequest.type, {
        textDocument: other,
        position: { line: 0, character: 0 },
      }),
      null,
    );
    assert.deepEqual(
      await server.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: other }),
      [],
    );
    assert.deepEqual(
      await server.conn.sendRequest(CodeLensRequest.type, { textDocument: other }),
      [],
    );
  });

  void test('didClose clears the diagnostics', async () => {
    const from = server.diagnostics.length;
    await server.conn.sendNotification(DidCloseTextDocumentNotification.type, {
      textDocument: { uri },
    });
    const p = await server.waitForDiagnostics((d) => d.uri === uri, 5_000, from);
    assert.deepEqual(p.diagnostics, []);
  });

  void test('the server logged no internal errors', () => {
    assert.deepEqual(
      server.logs.filter((l) => /failed|error/i.test(l.message)),
      [],
    );
  });

  void test('shutdown and exit end the process with code 0', async () => {
    await withTimeout(
      server.conn.sendRequest(ShutdownRequest.type),
      5_000,
      () => 'shutdown got no answer',
    );
    await server.conn.sendNotification(ExitNotification.type);
    const { code, signal } = await withTimeout(
      server.exited,
      5_000,
      () => 'the server did not exit',
    );
    assert.equal(signal, null);
    assert.equal(code, 0);
  });
});

void describe('language server settings', () => {
  let server: ServerHandle;
  let limitGiB: number | null = 1e-4; // ~100 KiB: any training step exceeds it.
  const uri = pathToFileURL(path.join(EXAMPLES, 'settings.supernet.yaml')).href;
  const hasMemoryWarning = (p: PublishDiagnosticsParams) =>
    p.diagnostics.some(
      (d) => d.code === 'memory-exceeds-machine' && d.severity === DiagnosticSeverity.Warning,
    );

  before(async () => {
    server = await startServer({
      configuration: (item) => {
        assert.equal(item.section, 'supernet');
        return { memoryLimitGiB: limitGiB };
      },
    });
  });

  after(async () => {
    await server?.dispose();
  });

  void test('supernet.memoryLimitGiB from workspace/configuration drives the memory warning', async () => {
    await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'supernet', version: 1, text: TINY },
    });
    const p = await server.waitForDiagnostics((d) => d.uri === uri && hasMemoryWarning(d));
    const w = p.diagnostics.find((d) => d.code === 'memory-exceeds-machine')!;
    assert.match(w.message, /more than this machine's/);
    // It sits on the `batchSize` key.
    assert.equal(w.range.start.line, posOf(TINY, 'batchSize:').line);
  });

  void test('a configuration change re-reads the settings and revalidates', async () => {
    limitGiB = null; // back to the machine's memory: tiny fits easily.
    const from = server.diagnostics.length;
    await server.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    const p = await server.waitForDiagnostics((d) => d.uri === uri, 5_000, from);
    assert.deepEqual(p.diagnostics, []);
    assert.ok(server.configurationRequests >= 2);
  });
});

void describe('language server without workspace/configuration', () => {
  let server: ServerHandle;

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    await server?.dispose();
  });

  void test('validates with defaults and never asks for settings', async () => {
    const uri = 'untitled:Untitled-1';
    await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'supernet', version: 7, text: 'name: x\n' },
    });
    const p = await server.waitForDiagnostics((d) => d.uri === uri && d.version === 7);
    assert.ok(
      p.diagnostics.some((d) => d.code === 'missing-key' && /space/.test(d.message)),
      JSON.stringify(p.diagnostics),
    );
    assert.equal(server.configurationRequests, 0);
    await server.conn.sendRequest(ShutdownRequest.type);
    await server.conn.sendNotification(ExitNotification.type);
    assert.deepEqual(await withTimeout(server.exited, 5_000, () => 'the server did not exit'), {
      code: 0,
      signal: null,
    });
  });
});
