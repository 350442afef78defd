// Bad input never crashes the language: seeded random mutations of the examples go through the
// pure language service and through the real server over stdio.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  HoverRequest,
  type Position,
  type PublishDiagnosticsParams,
  type Range,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { benchConfigText } from '../../server/src/bench/benchConfig';
import { getLanguageService } from '../../server/src/language/languageService';
import { EXAMPLES, startServer, withTimeout, type ServerHandle } from './harness';

const SEED = 0x5eed_2024;
const COUNT = 1200;

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)];

// Characters YAML cares about, whitespace of every kind, and text that is not ASCII.
const JUNK = [
  ':',
  ': ',
  '-',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '#',
  '&a',
  '*a',
  '!',
  '!!str ',
  '|',
  '>',
  '?',
  '%',
  '@',
  '`',
  '\t',
  '"',
  "'",
  '\n',
  '\r\n',
  '\r',
  ' ',
  '  ',
  '0',
  '1e309',
  '-1',
  '.5',
  'é',
  'ß',
  '中',
  '😀',
  '\u0000',
  '\u00a0',
  '\ufeff',
  '\u2028',
  '\ud800',
  '---\n',
  '...\n',
  '<<: ',
];
const NUMBERS = [
  '0',
  '-1',
  '-0',
  '1e309',
  '.inf',
  '-.inf',
  '.nan',
  '0x10',
  '0o7',
  '99999999999999999999',
  '4.5',
  '1_000',
  'null',
  '~',
  'true',
  '""',
  '[]',
  '{}',
];

function mutateOnce(rng: Rng, text: string): string {
  const at = int(rng, text.length + 1);
  const lines = text.split('\n');
  const li = int(rng, lines.length);
  switch (int(rng, 13)) {
    case 0: // delete a run of characters
      return text.slice(0, at) + text.slice(at + 1 + int(rng, 12));
    case 1: {
      // duplicate a run of characters
      const n = 1 + int(rng, 20);
      return text.slice(0, at + n) + text.slice(at, at + n) + text.slice(at + n);
    }
    case 2: {
      // insert junk
      let s = '';
      for (let i = 1 + int(rng, 4); i > 0; i--) s += pick(rng, JUNK);
      return text.slice(0, at) + s + text.slice(at);
    }
    case 3: // delete a line
      lines.splice(li, 1);
      return lines.join('\n');
    case 4: // duplicate a line
      lines.splice(li, 0, lines[li]);
      return lines.join('\n');
    case 5: {
      // swap two lines
      const lj = int(rng, lines.length);
      [lines[li], lines[lj]] = [lines[lj], lines[li]];
      return lines.join('\n');
    }
    case 6: // indent or dedent a line
      lines[li] =
        rng() < 0.5 ? ' '.repeat(1 + int(rng, 4)) + lines[li] : lines[li].replace(/^ {1,3}/, '');
      return lines.join('\n');
    case 7: // truncate
      return text.slice(0, at);
    case 8: {
      // replace a number with an odd one
      const nums = [...text.matchAll(/\b\d+(?:\.\d+)?(?:e-?\d+)?\b/g)];
      if (!nums.length) return text;
      const m = pick(rng, nums);
      return text.slice(0, m.index) + pick(rng, NUMBERS) + text.slice(m.index! + m[0].length);
    }
    case 9: {
      // replace the value after a colon with junk
      const colons = [...text.matchAll(/: /g)];
      if (!colons.length) return text;
      const m = pick(rng, colons);
      const start = m.index! + 2;
      const end = text.indexOf('\n', start) < 0 ? text.length : text.indexOf('\n', start);
      return (
        text.slice(0, start) +
        pick(rng, [...NUMBERS, ...JUNK, '[1, [2, [3]]]', '{ a: 1 }', 'x: y: z']) +
        text.slice(end)
      );
    }
    case 10: {
      // replace a key with a near miss
      const keys = [...text.matchAll(/([A-Za-z]+):/g)];
      if (!keys.length) return text;
      const m = pick(rng, keys);
      const k = m[1];
      const i = int(rng, k.length);
      const miss = pick(rng, [k.slice(0, i) + k.slice(i + 1), k.toUpperCase(), k + k[i], '']);
      return text.slice(0, m.index) + miss + text.slice(m.index! + k.length);
    }
    case 11: {
      // move a block of lines elsewhere
      const n = 1 + int(rng, 4);
      const block = lines.splice(li, n);
      lines.splice(int(rng, lines.length + 1), 0, ...block);
      return lines.join('\n');
    }
    default: {
      // an unbalanced bracket or brace somewhere
      const c = pick(rng, ['[', ']', '{', '}', '"', "'"]);
      return text.slice(0, at) + c + text.slice(at);
    }
  }
}

/** Random code units: control characters, lone surrogates, anything. */
function binaryJunk(rng: Rng): string {
  const n = int(rng, 400);
  let s = '';
  for (let i = 0; i < n; i++)
    s += String.fromCharCode(rng() < 0.5 ? int(rng, 0x80) : int(rng, 0x10000));
  return s;
}

const HANDMADE = [
  '',
  '\n',
  ' ',
  '\ufeff',
  '---\n---\n',
  '...\n',
  '%YAML 1.2\n---\nname: x\n',
  '# only a comment',
  'null',
  '[]',
  '{}',
  '- a\n- b\n',
  '"just a string"',
  'space: [',
  'space: {stages: [',
  'space:\n  stages:\n    - ',
  'space:\n  stages:\n    -\n    -\n',
  'a: &x [*x]',
  '*x',
  'a: *undefined',
  'space: &s\n  stages: *s\n',
  'space:\n  stages:\n    - &st { depth: [1], width: [8], kernel: [3], expand: [1] }\n    - *st\n',
  '<<: { name: x }\nspace: { <<: *a }',
  'space: !!binary aGVsbG8=',
  'space: !custom { stages: [] }',
  '? [complex, key]\n: value\n',
  'name: x\nname: y\n',
  'search:\n  constraints: ["flops <= ", "params <", "latency", "", "flops <= 1e999M", "flops <= -1"]\n',
  'search:\n  constraints: [1, [2], {a: 3}, null]\n',
  'task:\n  dataset: idx\n  path: "\u0000/nope"\n',
  'a: b: c: d',
  '\t- x\n\t\t- y',
  'x'.repeat(20_000),
  '#'.repeat(5_000) + '\nname: x',
  'name: ' + '"'.repeat(3_000),
  'k: ' + '"\\u'.repeat(500),
];

/** Deep nesting of every kind: these must be turned away before a recursive parse. */
const DEEP = [3000, 1000]
  .flatMap((n) => [
    '['.repeat(n),
    '{'.repeat(n),
    '- '.repeat(n) + 'x',
    '['.repeat(n) + ']'.repeat(n),
    '{a: '.repeat(n) + '1' + '}'.repeat(n),
    'space:\n  stages:\n    - depth: ' + '['.repeat(n) + '1' + ']'.repeat(n) + '\n',
  ])
  .concat(
    // Block nesting by indentation: the text grows with the square of the depth, so one size.
    Array.from({ length: 1000 }, (_, i) => ' '.repeat(i) + 'k:').join('\n') + ' 1',
    Array.from({ length: 500 }, (_, i) => ' '.repeat(2 * i) + '- k:').join('\n') + ' 1',
  );

function generateInputs(): string[] {
  const rng = mulberry32(SEED);
  const bases = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.supernet.yaml'))
    .sort()
    .map((f) => readFileSync(path.join(EXAMPLES, f), 'utf8'));
  bases.push(benchConfigText(100));
  assert.ok(bases.length >= 4);
  const out: string[] = [...HANDMADE, ...DEEP];
  while (out.length < COUNT) {
    const r = rng();
    if (r < 0.05) {
      out.push(binaryJunk(rng));
      continue;
    }
    let text = pick(rng, bases);
    if (r < 0.1) {
      // junk spliced into a real config
      const at = int(rng, text.length);
      text = text.slice(0, at) + binaryJunk(rng) + text.slice(at);
    }
    for (let i = 1 + int(rng, rng() < 0.8 ? 3 : 12); i > 0; i--) text = mutateOnce(rng, text);
    out.push(text);
  }
  return out;
}

const INPUTS = generateInputs();

/** A position that may lie anywhere: past the end of a line or of the text, on a surrogate half. */
function randomPosition(rng: Rng, doc: TextDocument): Position {
  return { line: int(rng, doc.lineCount + 2), character: int(rng, 120) };
}

function randomRange(rng: Rng, doc: TextDocument): Range {
  const a = randomPosition(rng, doc);
  const b = randomPosition(rng, doc);
  return a.line < b.line || (a.line === b.line && a.character <= b.character)
    ? { start: a, end: b }
    : { start: b, end: a };
}

const describeInput = (i: number) =>
  `input #${i} (seed ${SEED}): ${JSON.stringify(INPUTS[i].length > 600 ? INPUTS[i].slice(0, 600) + '…' : INPUTS[i])}`;

function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

void test(`the generator is deterministic and makes at least 1,000 inputs (seed ${SEED})`, () => {
  assert.ok(INPUTS.length >= 1000);
  assert.deepEqual(generateInputs(), INPUTS);
  assert.ok(new Set(INPUTS).size > 900, 'the inputs are mostly distinct');
});

void test('the pure language service never throws on bad input', () => {
  // The options the server uses: data paths are checked against the file system.
  const service = getLanguageService({
    memoryLimitBytes: totalmem(),
    uriToPath,
    pathExists: existsSync,
    resolvePath: (from, rel) => path.resolve(path.dirname(from), rel),
  });
  const rng = mulberry32(SEED ^ 0xabcdef);
  const failures: string[] = [];
  const uri = pathToFileURL(path.join(EXAMPLES, 'fuzz.supernet.yaml')).href;
  INPUTS.forEach((text, i) => {
    const doc = TextDocument.create(uri, 'supernet', i, text);
    let step = 'validate';
    try {
      const diagnostics = service.validate(doc);
      for (const d of diagnostics) {
        assert.ok(d.range.start.line <= d.range.end.line, 'a diagnostic range runs backwards');
        assert.ok(
          typeof d.message === 'string' && d.message.length > 0,
          'a diagnostic has no message',
        );
        assert.ok(d.severity! >= 1 && d.severity! <= 3);
      }
      for (let k = 0; k < 2; k++) {
        const p = randomPosition(rng, doc);
        step = `hover ${JSON.stringify(p)}`;
        service.hover(doc, p);
        step = `complete ${JSON.stringify(p)}`;
        service.complete(doc, p);
      }
      const r = randomRange(rng, doc);
      step = `codeActions ${JSON.stringify(r)}`;
      service.codeActions(doc, r);
      for (const d of diagnostics.slice(0, 2)) {
        step = `codeActions at a diagnostic ${JSON.stringify(d.range)}`;
        service.codeActions(doc, d.range);
        step = `hover at a diagnostic ${JSON.stringify(d.range.start)}`;
        service.hover(doc, d.range.start);
      }
      step = 'documentSymbols';
      service.documentSymbols(doc);
      step = 'codeLenses';
      service.codeLenses(doc);
      // Everything goes over JSON-RPC: results must serialise.
      step = 'serialise';
      JSON.stringify([diagnostics, service.documentSymbols(doc), service.codeLenses(doc)]);
    } catch (e) {
      failures.push(
        `${step} threw on ${describeInput(i)}\n  ${(e as Error).stack?.split('\n').slice(0, 4).join('\n  ')}`,
      );
    }
  });
  assert.equal(
    failures.length,
    0,
    `${failures.length} failures; the first ones:\n${failures.slice(0, 5).join('\n\n')}`,
  );
});

void describe('deeply nested input on a fresh server', () => {
  // Before the fix, two such texts in a row aborted a cold server (SIGABRT: V8 ran out of stack
  // while compiling a regular expression deep inside the YAML composer).
  let server: ServerHandle;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.dispose();
  });

  void test('is reported as an error, and the server lives on', async () => {
    const deep = [
      '['.repeat(3000),
      '- '.repeat(3000) + 'x',
      '{'.repeat(1000),
      'k: ' + '? '.repeat(1000) + 'x',
    ];
    const published: PublishDiagnosticsParams[] = [];
    for (const [i, text] of deep.entries()) {
      const uri = `file:///deep/${i}.supernet.yaml`;
      await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'supernet', version: 1, text },
      });
      // Rejects at once if the server dies.
      published.push(await server.waitForDiagnostics((d) => d.uri === uri, 10_000));
      const items = await server.conn.sendRequest(CompletionRequest.type, {
        textDocument: { uri },
        position: { line: 0, character: 2 },
      });
      assert.deepEqual(Array.isArray(items) ? items : items?.items, []);
    }
    assert.equal(server.hasExited(), false);
    for (const p of published) {
      assert.deepEqual(
        p.diagnostics.map((d) => [d.code, d.message]),
        [['yaml-syntax', 'YAML: nested more than 100 levels deep; the config is not read.']],
      );
    }
  });
});

void describe('the server survives the same inputs over stdio', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.dispose();
  });

  void test('didOpen/didChange with every input, requests on a sample', async () => {
    const rng = mulberry32(SEED ^ 0x123456);
    const BATCH = 50;
    // One long-lived document gets every input as a change (full text, or an incremental edit).
    const mainUri = pathToFileURL(path.join(EXAMPLES, 'fuzz-main.supernet.yaml')).href;
    let main = TextDocument.create(mainUri, 'supernet', 1, INPUTS[0]);
    await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: mainUri, languageId: 'supernet', version: 1, text: INPUTS[0] },
    });
    let requests: Promise<unknown>[] = [];
    for (let i = 0; i < INPUTS.length; i++) {
      const text = INPUTS[i];
      // Each input is also opened on its own: didOpen validates at once (no debounce).
      const uri = `file:///fuzz/${i}.supernet.yaml`;
      const doc = TextDocument.create(uri, 'supernet', 1, text);
      void server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'supernet', version: 1, text },
      });
      if (i % 10 === 0) {
        const textDocument = { uri };
        requests.push(
          server.conn.sendRequest(HoverRequest.type, {
            textDocument,
            position: randomPosition(rng, doc),
          }),
          server.conn.sendRequest(CompletionRequest.type, {
            textDocument,
            position: randomPosition(rng, doc),
          }),
          server.conn.sendRequest(CodeActionRequest.type, {
            textDocument,
            range: randomRange(rng, doc),
            context: { diagnostics: [] },
          }),
          server.conn.sendRequest(DocumentSymbolRequest.type, { textDocument }),
          server.conn.sendRequest(CodeLensRequest.type, { textDocument }),
        );
      }
      void server.conn.sendNotification(DidCloseTextDocumentNotification.type, {
        textDocument: { uri },
      });

      // The main document: a full replacement, or an incremental edit of what it holds now.
      const change =
        i % 3 === 0
          ? { range: randomRange(rng, main), text: pick(rng, JUNK) + text.slice(0, int(rng, 40)) }
          : { text };
      main = TextDocument.update(main, [change], main.version + 1);
      void server.conn.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: mainUri, version: main.version },
        contentChanges: [change],
      });

      if (i % BATCH === BATCH - 1 || i === INPUTS.length - 1) {
        // Pace the sender: the server handles messages in order, so once this input's diagnostics
        // are back, every earlier one has been validated too.
        await server.waitForDiagnostics((p) => p.uri === uri && p.version === 1, 20_000);
        await withTimeout(
          Promise.all(requests),
          20_000,
          () => `requests of batch ending at #${i} got no answer`,
        );
        requests = [];
        assert.equal(server.hasExited(), false, `the server exited after ${describeInput(i)}`);
      }
    }
    // The debounced diagnostics of the main document's last version match the pure service's
    // verdict on the client's copy: incremental sync kept server and client in step.
    const last = await server.waitForDiagnostics(
      (p) => p.uri === mainUri && p.version === main.version,
      10_000,
    );
    const expected = getLanguageService({ memoryLimitBytes: totalmem() }).validate(main);
    assert.deepEqual(
      last.diagnostics.map((d) => [d.code, d.range]),
      expected.map((d) => [d.code, d.range]),
    );
    await server.conn.sendNotification(DidCloseTextDocumentNotification.type, {
      textDocument: { uri: mainUri },
    });

    const internal = server.diagnostics.filter((p) =>
      p.diagnostics.some((d) => /Internal error/.test(d.message)),
    );
    assert.deepEqual(
      internal.map((p) => `${p.uri}: ${p.diagnostics[0].message}`),
      [],
      'validation threw inside the server',
    );
    assert.deepEqual(
      server.logs.filter((l) => /failed/.test(l.message)).map((l) => l.message.slice(0, 500)),
      [],
      'a request threw inside the server',
    );
  });

  void test('afterwards the server still answers and publishes diagnostics for a valid config', async () => {
    assert.equal(server.hasExited(), false);
    const text = readFileSync(path.join(EXAMPLES, 'tiny.supernet.yaml'), 'utf8');
    const uri = pathToFileURL(path.join(EXAMPLES, 'after-fuzz.supernet.yaml')).href;
    await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'supernet', version: 1, text },
    });
    const p: PublishDiagnosticsParams = await server.waitForDiagnostics(
      (d) => d.uri === uri && d.version === 1,
    );
    assert.deepEqual(p.diagnostics, []);
    const line = text.split('\n').findIndex((l) => l.startsWith('  epochs:'));
    const hover = await withTimeout(
      server.conn.sendRequest(HoverRequest.type, {
        textDocument: { uri },
        position: { line, character: 3 },
      }),
      5_000,
      () => 'hover got no answer',
    );
    assert.match(JSON.stringify(hover?.contents), /train\.epochs/);
    assert.equal(server.hasExited(), false);
    assert.equal(server.proc.exitCode, null);
  });
});
