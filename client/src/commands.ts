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

function notYet(what: string): Cmd {
  return async (arg) => {
    const uri = configUri(arg);
    const name = uri ? vscode.workspace.asRelativePath(uri) : 'this config';
    await vscode.window.showInformationMessage(
      `Supernet: ${what} ${name} is not yet available — the training engine has not landed in this version.`,
    );
  };
}

/** Every command of the extension, by id. */
export const commands: Record<string, Cmd> = {
  'supernet.newConfig': newConfig,
  'supernet.train': notYet('training'),
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
};
