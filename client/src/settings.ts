import * as vscode from 'vscode';
import { resolveRunsDir } from './runs/runsFolder';

/** Typed getters for the `supernet.*` settings the client itself reads. */

const section = (scope?: vscode.Uri): vscode.WorkspaceConfiguration =>
  vscode.workspace.getConfiguration('supernet', scope);

export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu', 'pytorch'] as const;
export type BackendSetting = (typeof BACKENDS)[number];

export function defaultBackend(scope?: vscode.Uri): BackendSetting {
  const v = section(scope).get<string>('defaultBackend');
  return (BACKENDS as readonly string[]).includes(v ?? '') ? (v as BackendSetting) : 'auto';
}

export function chartSmoothing(): number {
  const v = section().get<number>('chartSmoothing') ?? 0.6;
  return Math.min(0.99, Math.max(0, v));
}

/**
 * The absolute runs folder for a config (its workspace folder's setting), or for the
 * workspace when no config is involved; undefined without any folder to put it in.
 */
export function runsDirFor(configUri?: vscode.Uri): string | undefined {
  const folder = configUri
    ? vscode.workspace.getWorkspaceFolder(configUri)
    : vscode.workspace.workspaceFolders?.[0];
  const configDir =
    configUri?.scheme === 'file' ? vscode.Uri.joinPath(configUri, '..').fsPath : undefined;
  return resolveRunsDir(
    section(folder?.uri ?? configUri).get<string>('runsFolder'),
    folder?.uri.fsPath,
    configDir,
  );
}

/** Epochs a Fine-tune Subnet trains (`supernet.finetuneEpochs`); undefined: the engine's default. */
export function finetuneEpochs(scope?: vscode.Uri): number | undefined {
  const v = section(scope).get<number | null>('finetuneEpochs');
  return typeof v === 'number' && v > 0 && v <= 1000 ? v : undefined;
}

/** The Python interpreter (with PyTorch) of the pytorch backend (`supernet.python`); undefined: none set. */
export function pythonPath(): string | undefined {
  return section().get<string>('python')?.trim() || undefined;
}
