import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { commands } from './commands';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  for (const [id, fn] of Object.entries(commands(context))) {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  }
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
  client = new LanguageClient('supernet', 'Supernet Language Server', serverOptions, clientOptions);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
