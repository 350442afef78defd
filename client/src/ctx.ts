import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createDashboardPanelPort } from './dashboard/dashboardPanel';
import type { DashboardPort } from './dashboardPort';
import { createLanguageClient } from './languageClient';
import { JobMonitor } from './runs/jobMonitor';
import { RunsApi } from './runs/runsApi';
import { createRunTree, type RunTree } from './tree/runTree';

/**
 * What the extension's features share, built once in `activate` (as rust-analyzer's `Ctx`):
 * the language client, the runs API over it, the job monitor, the dashboard and the Runs
 * tree. Each feature module registers itself from it; `push` ties a disposable to the
 * extension's lifetime.
 */
export interface Ctx {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly client: LanguageClient;
  readonly api: RunsApi;
  readonly dashboard: DashboardPort & vscode.Disposable;
  readonly monitor: JobMonitor;
  readonly runs: RunTree;
  push(...disposables: vscode.Disposable[]): void;
}

export function createCtx(extension: vscode.ExtensionContext): Ctx {
  const push = (...d: vscode.Disposable[]) => void extension.subscriptions.push(...d);
  const log = vscode.window.createOutputChannel('Supernet', { log: true });
  const client = createLanguageClient(extension);
  const api = new RunsApi(() => client, log);
  const dashboard = createDashboardPanelPort(extension, log);
  const monitor = new JobMonitor(api, dashboard, log);
  const runs = createRunTree(extension, api, monitor);
  push(log, dashboard, monitor, runs.tree, runs.view);
  return { extension, log, client, api, dashboard, monitor, runs, push };
}
