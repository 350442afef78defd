// Shared by the LSP tests: runs the bundled server (dist/server.js) as a child process and
// talks to it over stdio with a real JSON-RPC connection. Not a test file itself.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  ConfigurationRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  ShowMessageNotification,
  type ClientCapabilities,
  type ConfigurationItem,
  type InitializeResult,
  type LogMessageParams,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';

/** The repository root (compiled tests live in out/test/<dir>/). */
export const ROOT = path.resolve(__dirname, '../../..');
export const SERVER_JS = path.join(ROOT, 'dist', 'server.js');
export const EXAMPLES = path.join(ROOT, 'examples');

export interface ServerOptions {
  /** Declare `workspace.configuration` and answer each item with this. Omitted: the capability is not declared. */
  configuration?: (item: ConfigurationItem) => unknown;
}

export interface ServerHandle {
  proc: ChildProcess;
  conn: MessageConnection;
  initializeResult: InitializeResult;
  /** Every diagnostics notification, in arrival order. */
  diagnostics: PublishDiagnosticsParams[];
  /** window/logMessage and window/showMessage notifications. */
  logs: LogMessageParams[];
  /** How many workspace/configuration requests the server sent. */
  configurationRequests: number;
  /** Resolves when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  stderr(): string;
  /**
   * The first diagnostics notification (already received, from index `from` on, or still to come)
   * that satisfies `pred`. Rejects after `timeoutMs` or when the server exits.
   */
  waitForDiagnostics(
    pred: (p: PublishDiagnosticsParams) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<PublishDiagnosticsParams>;
  /** Kill the process if it is still running and wait for it to go. */
  dispose(): Promise<void>;
}

interface Waiter {
  pred: (p: PublishDiagnosticsParams) => boolean;
  resolve: (p: PublishDiagnosticsParams) => void;
  reject: (e: Error) => void;
}

/** Spawn `node dist/server.js --stdio`, connect, and run initialize + initialized. */
export async function startServer(options: ServerOptions = {}): Promise<ServerHandle> {
  const proc = spawn(process.execPath, [SERVER_JS, '--stdio'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => {
    stderr += s;
  });
  // A write after the server went away must fail the test through the exit check, not crash the runner.
  proc.stdin!.on('error', () => undefined);
  const waiters = new Set<Waiter>();
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      exitedFlag = true;
      for (const w of waiters)
        w.reject(
          new Error(
            `server exited (code ${code}, signal ${signal}) while waiting for diagnostics\n${stderr}`,
          ),
        );
      waiters.clear();
      resolve({ code, signal });
    });
  });

  const conn = createMessageConnection(
    new StreamMessageReader(proc.stdout!),
    new StreamMessageWriter(proc.stdin!),
  );
  conn.onError(() => undefined);
  const diagnostics: PublishDiagnosticsParams[] = [];
  const logs: LogMessageParams[] = [];
  let configurationRequests = 0;
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    diagnostics.push(p);
    for (const w of [...waiters]) {
      if (w.pred(p)) {
        waiters.delete(w);
        w.resolve(p);
      }
    }
  });
  conn.onNotification(LogMessageNotification.type, (p) => void logs.push(p));
  conn.onNotification(ShowMessageNotification.type, (p) => void logs.push(p));
  if (options.configuration) {
    const answer = options.configuration;
    conn.onRequest(ConfigurationRequest.type, (params) => {
      configurationRequests++;
      return params.items.map((item) => answer(item));
    });
  }
  conn.listen();

  const capabilities: ClientCapabilities = {
    textDocument: {
      synchronization: { dynamicRegistration: false, didSave: false },
      publishDiagnostics: { versionSupport: true, relatedInformation: false },
      hover: { contentFormat: ['markdown', 'plaintext'] },
      completion: { completionItem: { snippetSupport: true } },
      codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
      documentSymbol: { hierarchicalDocumentSymbolSupport: true },
    },
    workspace: options.configuration ? { configuration: true } : {},
  };
  const initializeResult = await withTimeout(
    conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities,
      workspaceFolders: null,
    }),
    10_000,
    () => `initialize got no answer\n${stderr}`,
  );
  await conn.sendNotification(InitializedNotification.type, {});

  const handle: ServerHandle = {
    proc,
    conn,
    initializeResult,
    diagnostics,
    logs,
    get configurationRequests() {
      return configurationRequests;
    },
    exited,
    hasExited: () => exitedFlag,
    stderr: () => stderr,
    waitForDiagnostics(pred, timeoutMs = 5_000, from = 0) {
      for (let i = from; i < diagnostics.length; i++)
        if (pred(diagnostics[i])) return Promise.resolve(diagnostics[i]);
      if (exitedFlag) return Promise.reject(new Error(`server has exited\n${stderr}`));
      return new Promise<PublishDiagnosticsParams>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          const last = diagnostics
            .slice(-3)
            .map((d) =>
              JSON.stringify({ uri: d.uri, version: d.version, n: d.diagnostics.length }),
            );
          reject(
            new Error(
              `no matching diagnostics within ${timeoutMs} ms; last received: ${last.join(', ') || 'none'}\n${stderr}`,
            ),
          );
        }, timeoutMs);
        const w: Waiter = {
          pred,
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        waiters.add(w);
      });
    },
    async dispose() {
      conn.dispose();
      if (!exitedFlag) {
        proc.kill();
        await exited;
      }
    },
  };
  return handle;
}

/** `p`, or a rejection with `message()` after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
