// The language server lets go of closed documents: opening and closing many large configs
// must not grow it without bound (it once kept every analysis, 48 MB → 1 GB over 40).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
} from 'vscode-languageserver-protocol';
import { startServer } from './harness';

/** Resident memory of a process, in MiB (Linux). */
const rssMiB = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** 64 stages of 256 width choices and an unknown key each: a big syntax tree, 64 findings. */
const WIDTHS = `[${Array.from({ length: 256 }, (_, i) => 8 * (i + 1)).join(', ')}]`;
const LARGE =
  'name: large\nspace:\n  stages:\n' +
  `    - { depth: [1, 2], width: ${WIDTHS}, kernel: [3], expand: [1], stride: 1, colour: red }\n`.repeat(
    64,
  );

void test('40 large documents opened and closed: the server does not keep them', async () => {
  const server = await startServer();
  try {
    const pid = server.proc.pid!;
    const open = async (i: number) => {
      const uri = `file:///large-${i}.supernet.yaml`;
      const seen = server.waitForDiagnostics((p) => p.uri === uri && p.diagnostics.length > 0);
      await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: {
          uri,
          languageId: 'supernet',
          version: 1,
          text: LARGE,
        },
      });
      await seen;
      await server.conn.sendNotification(DidCloseTextDocumentNotification.type, {
        textDocument: { uri },
      });
    };
    for (let i = 0; i < 5; i++) await open(i); // warm up
    const before = rssMiB(pid);
    for (let i = 5; i < 45; i++) await open(i);
    const growth = rssMiB(pid) - before;
    assert.ok(growth < 80, `the server grew by ${growth.toFixed(0)} MiB over 40 documents`);
  } finally {
    await server.dispose();
  }
});
