import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { configUri, runCommands, type Cmd, type RunContext } from './runCommands';

export type { Cmd };

/** The commented config that New Config writes: examples/starter.supernet.yaml of the package. */
async function starterConfig(extensionUri: vscode.Uri): Promise<string> {
  const uri = vscode.Uri.joinPath(extensionUri, 'examples', 'starter.supernet.yaml');
  return Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
}

async function newConfig(extensionUri: vscode.Uri): Promise<void> {
  const text = await starterConfig(extensionUri);
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    const doc = await vscode.workspace.openTextDocument({ language: 'supernet', content: text });
    await vscode.window.showTextDocument(doc);
    return;
  }
  let uri = vscode.Uri.joinPath(folder.uri, 'example.supernet.yaml');
  for (let i = 2; await exists(uri); i++)
    uri = vscode.Uri.joinPath(folder.uri, `example-${i}.supernet.yaml`);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  await vscode.commands.executeCommand('setContext', 'supernet.hasConfig', true);
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
export const commands = (ctx: RunContext & { extensionUri: vscode.Uri }): Record<string, Cmd> => ({
  'supernet.newConfig': () => newConfig(ctx.extensionUri),
  'supernet.showFacts': showFacts,
  ...runCommands(ctx),
});

/** Every command, registered for the extension's lifetime. */
export function registerCommands(ctx: Ctx): void {
  const all = commands({
    api: ctx.api,
    monitor: ctx.monitor,
    tree: ctx.runs.tree,
    dashboard: ctx.dashboard,
    extensionUri: ctx.extension.extensionUri,
  });
  for (const [id, fn] of Object.entries(all)) ctx.push(vscode.commands.registerCommand(id, fn));
}
