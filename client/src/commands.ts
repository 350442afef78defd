import * as path from 'node:path';
import * as vscode from 'vscode';
import { STARTER_CONFIG } from '../../server/src/config/starterConfig';

export type Cmd = (...args: unknown[]) => unknown;

/** Where a command was invoked from: a code lens passes the config's URI, the palette nothing. */
function configUri(arg: unknown): vscode.Uri | undefined {
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  if (arg instanceof vscode.Uri) return arg;
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === 'supernet' ? doc.uri : undefined;
}

async function newConfig(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    const doc = await vscode.workspace.openTextDocument({
      language: 'supernet',
      content: STARTER_CONFIG,
    });
    await vscode.window.showTextDocument(doc);
    return;
  }
  let uri = vscode.Uri.joinPath(folder.uri, 'example.supernet.yaml');
  for (let i = 2; await exists(uri); i++)
    uri = vscode.Uri.joinPath(folder.uri, `example-${i}.supernet.yaml`);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(STARTER_CONFIG, 'utf8'));
  await vscode.window.showTextDocument(uri);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/**
 * Training in a terminal through the CLI, until the run manager and its dashboards land:
 * the same engine process, its progress bar and Ctrl-C to stop with a checkpoint.
 */
function trainInTerminal(context: { extensionPath: string }): Cmd {
  return async (arg) => {
    const uri = configUri(arg);
    if (!uri || uri.scheme !== 'file') {
      await vscode.window.showWarningMessage(
        'Supernet: open a saved *.supernet.yaml file to train it.',
      );
      return;
    }
    if (!vscode.workspace.isTrusted) {
      await vscode.window.showWarningMessage(
        'Supernet: training runs code from this workspace on your machine, so it is disabled until you trust the workspace.',
      );
      return;
    }
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
    const cli = path.join(context.extensionPath, 'bin', 'supernet.js');
    const terminal = vscode.window.createTerminal({
      name: `Supernet: train ${path.basename(uri.fsPath)}`,
      cwd: folder,
      // The extension host's own runtime runs the CLI: no separate Node.js needed.
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    terminal.show();
    terminal.sendText([process.execPath, cli, 'train', uri.fsPath].map(shellQuote).join(' '));
  };
}

const shellQuote = (s: string): string =>
  /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;

function notYet(what: string): Cmd {
  return async (arg) => {
    const uri = configUri(arg);
    const name = uri ? vscode.workspace.asRelativePath(uri) : 'this config';
    await vscode.window.showInformationMessage(
      `Supernet: ${what} ${name} is not yet available in this version.`,
    );
  };
}

/** Every command of the extension, by id. */
export const commands = (context: { extensionPath: string }): Record<string, Cmd> => ({
  'supernet.newConfig': newConfig,
  'supernet.train': trainInTerminal(context),
  'supernet.search': notYet('searching'),
  'supernet.showFacts': async (arg) => {
    const uri = configUri(arg);
    if (!uri) return;
    const editor = await vscode.window.showTextDocument(uri);
    const doc = editor.document;
    const line = Math.max(
      0,
      doc
        .getText()
        .split('\n')
        .findIndex((l) => /^space\s*:/.test(l)),
    );
    const pos = new vscode.Position(line, 1);
    editor.selection = new vscode.Selection(pos, pos);
    await vscode.commands.executeCommand('editor.action.showHover');
  },
});
