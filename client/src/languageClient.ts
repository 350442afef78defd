import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

/** The client of the language server (dist/server.js), which also runs the engine's jobs. */
export function createLanguageClient(context: vscode.ExtensionContext): LanguageClient {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6019'] },
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
