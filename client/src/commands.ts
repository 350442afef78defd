import * as vscode from 'vscode';
import { STARTER_CONFIG } from '../../server/src/config/starterConfig';
import { configUri, runCommands, type Cmd, type RunContext } from './runs/runCommands';

export type { Cmd };

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

/** The code lens's summary: shows the hover with the space's facts. */
async function showFacts(arg: unknown): Promise<void> {
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
}

/** Every command of the extension, by id. The code lens names `supernet.train`/`search`/`showFacts`. */
export const commands = (ctx: RunContext): Record<string, Cmd> => ({
  'supernet.newConfig': newConfig,
  'supernet.showFacts': showFacts,
  ...runCommands(ctx),
});
