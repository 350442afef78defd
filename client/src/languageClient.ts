import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { pythonEnvFor } from './pythonEnv';
import { pythonPath } from './settings';

/**
 * The client of the language server (dist/server.js), which also runs the engine's jobs.
 * The server starts with `supernet.python` as SUPERNET_PYTHON; a later change reaches it
 * with the other `supernet.*` settings, and the engines it starts from then on.
 */
export function createLanguageClient(context: vscode.ExtensionContext): LanguageClient {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const env = pythonEnvFor(pythonPath(), process.env);
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { env } },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { env, execArgv: ['--nolazy', '--inspect=6019'] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: 'supernet', scheme: 'file' },
      { language: 'supernet', scheme: 'untitled' },
    ],
    synchronize: { configurationSection: 'supernet' },
    outputChannelName: 'Supernet Language Server',
  };
  return new LanguageClient('supernet', 'Supernet Language Server', serverOptions, clientOptions);
}
