import { workspaceDeviceProfiles } from '../datasets/deviceTables';
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  createConnection,
  DocumentSymbolRequest,
  ErrorCodes,
  HoverRequest,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { dataIo } from '../datasets/dataIo';
import { getLanguageService, type LanguageService } from '../language/languageService';
import { EventNotification } from '#shared/protocol/lsp';
import { parseExecutor } from '#shared/executor';
import { configuredPython, PytorchProbe } from './pytorchProbe';
import { RunManager } from './runManager';
import { registerRunRequests } from './runRequests';
import {
  checkedDocumentSync,
  documentParams,
  positionParams,
  rangeParams,
  type ParamsCheck,
} from './standardParams';
import { ValidationHandler } from './validationHandler';

/** Settings the client sends (`supernet.*`). */
interface Settings {
  memoryLimitGiB?: number | null;
  maxEngineThreads?: number | null;
  executor?: string | null;
  python?: string | null;
}

function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

/** The data reads of the checks and of completion, with their cache: one per server. */
const data = dataIo();

/** Whether the pytorch backend can run here: probed on demand, again when `supernet.python` changes. */
const pytorch = new PytorchProbe();

function makeService(settings: Settings): LanguageService {
  const limit = settings.memoryLimitGiB ? settings.memoryLimitGiB * 2 ** 30 : totalmem();
  return getLanguageService({
    memoryLimitBytes: limit,
    uriToPath,
    pathExists: existsSync,
    resolvePath: (from, rel) => path.resolve(path.dirname(from), rel),
    deviceProfiles: workspaceDeviceProfiles,
    pytorchStatus: () => pytorch.status(),
    ...data,
  });
}

/** The settings the engines start with; what is wrong with `supernet.executor`, if anything. */
function applyRunSettings(runs: RunManager, s: Settings): string | undefined {
  const threads = s.maxEngineThreads;
  runs.maxThreads = Number.isInteger(threads) && threads! >= 1 ? threads! : undefined;
  // A bad URL still goes to the engine, so a search fails and says why rather than running
  // where the user did not ask for.
  runs.executor = s.executor?.trim() || undefined;
  const executor = parseExecutor(s.executor ?? '');
  return typeof executor === 'string' ? executor : undefined;
}

/** Wires the pure language service to an LSP connection; handlers own nothing but the wiring. */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  let service = makeService({});
  // Handlers read `service` through this indirection so a settings change swaps it in place.
  const current: LanguageService = {
    analyse: (d) => service.analyse(d),
    validate: (d) => service.validate(d),
    hover: (d, p) => service.hover(d, p),
    complete: (d, p) => service.complete(d, p),
    codeActions: (d, r) => service.codeActions(d, r),
    documentSymbols: (d) => service.documentSymbols(d),
    codeLenses: (d) => service.codeLenses(d),
    forget: (uri) => service.forget(uri),
  };
  const validation = new ValidationHandler(connection, documents, current);
  const runs = new RunManager({
    onEvent: (p) => {
      connection
        .sendNotification(EventNotification, p)
        .catch((e) => connection.console.error(`supernet: event not sent: ${e}`));
    },
    log: (m) => connection.console.log(m),
    // SUPERNET_PYTHON as `supernet.python` says now: the engine finds its Python by it.
    env: () => pytorch.env(),
    // Tests point the server at a stand-in engine; users never need to.
    ...(process.env.SUPERNET_ENGINE_PATH ? { enginePath: process.env.SUPERNET_ENGINE_PATH } : {}),
  });
  registerRunRequests(connection, runs);
  connection.onShutdown(() => runs.dispose());
  let hasConfigurationCapability = false;

  connection.onInitialize((params) => {
    hasConfigurationCapability = !!params.capabilities.workspace?.configuration;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: [':', ' ', '-'], resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'supernet-language-server', version: '0.1.0' },
    };
  });

  const refreshSettings = async (): Promise<void> => {
    if (!hasConfigurationCapability) return;
    const s = (await connection.workspace.getConfiguration('supernet')) as Settings | null;
    pytorch.setPython(configuredPython(process.env, s?.python ?? null));
    service = makeService(s ?? {});
    const executorProblem = applyRunSettings(runs, s ?? {});
    if (executorProblem)
      connection.window.showErrorMessage(`supernet.executor: ${executorProblem}`);
    validation.validateAll();
  };
  connection.onInitialized(() => {
    refreshSettings().catch((e) => connection.console.error(`supernet: settings: ${e}`));
  });
  connection.onDidChangeConfiguration(() => {
    refreshSettings().catch((e) => connection.console.error(`supernet: settings: ${e}`));
  });

  /** A document request's answer: its params checked, then `f` on the open document. */
  const withDoc = <P extends { textDocument: { uri: string } }, T>(
    p: P,
    check: ParamsCheck,
    fallback: T,
    f: (d: TextDocument) => T,
  ): T | ResponseError<void> => {
    const why = check(p);
    if (why) {
      connection.console.warn(`supernet: refused a request: ${why}`);
      return new ResponseError(ErrorCodes.InvalidParams, why);
    }
    const uri = p.textDocument.uri;
    const d = documents.get(uri);
    if (!d) return fallback;
    try {
      return f(d);
    } catch (e) {
      connection.console.error(`supernet: request failed for ${uri}: ${(e as Error).stack ?? e}`);
      return fallback;
    }
  };
  const hoverParams = positionParams(HoverRequest.method);
  const completionParams = positionParams(CompletionRequest.method);
  const codeActionParams = rangeParams(CodeActionRequest.method);
  const symbolParams = documentParams(DocumentSymbolRequest.method);
  const lensParams = documentParams(CodeLensRequest.method);
  connection.onHover((p) => withDoc(p, hoverParams, null, (d) => current.hover(d, p.position)));
  connection.onCompletion((p) =>
    withDoc(p, completionParams, { isIncomplete: false, items: [] }, (d) =>
      current.complete(d, p.position),
    ),
  );
  connection.onCodeAction((p) =>
    withDoc(p, codeActionParams, [], (d) => current.codeActions(d, p.range)),
  );
  connection.onDocumentSymbol((p) =>
    withDoc(p, symbolParams, [], (d) => current.documentSymbols(d)),
  );
  connection.onCodeLens((p) => withDoc(p, lensParams, [], (d) => current.codeLenses(d)));

  documents.listen(checkedDocumentSync(connection));
  connection.listen();
}

if (require.main === module) {
  // Transport comes from the command line: --stdio, --node-ipc or --socket=N.
  startServer(createConnection(ProposedFeatures.all));
}
