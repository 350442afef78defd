// The pytorch backend from the installed package: Train on a config that names
// `train.backend: pytorch` starts the package's own Python compute process (the runner gives
// code-server SUPERNET_PYTHON, an interpreter with torch), the run completes, the Runs tree
// shows it trained on pytorch and its run-start event names the compute process.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as VSCode from 'vscode';
import type { SupernetExtensionApi } from '../../../client/src/extension';
import type { JobStarted } from '#shared/protocol/lsp';
import { parseEngineEvent, type RunStartEvent } from '#shared/protocol/engine';
import { parseJsonLines } from '#shared/runFolder/jsonl';
import { requestScreenshot } from '../screenshotRequests';
import { PYTORCH_CONFIG } from '../folders';
import { waitFor } from '../wait';
import type { Test } from './runner';

const EXTENSION_ID = 'supernet-studio.supernet-studio';
/** Training runs on this machine's CPU: generous, but bounded. */
const JOB_TIMEOUT_MS = 120_000;
const UI_TIMEOUT_MS = 30_000;
const TORCH_STEPS = 16;
/** Wide enough for the run's row to show its description (`completed · pytorch · …`) uncut. */
const SIDEBAR_WIDTH_PX = 520;

const inWebview = (selector: string) => `frame:${selector}`;

export function pytorchTests(vscode: typeof VSCode): Test[] {
  return [
    {
      name: `Train on a config with train.backend pytorch: ${TORCH_STEPS} steps in the package's Python compute process, the Runs tree shows pytorch`,
      fn: async () => {
        const api = await vscode.extensions
          .getExtension<SupernetExtensionApi>(EXTENSION_ID)
          ?.activate();
        if (!api) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
        const folder = vscode.workspace.workspaceFolders?.[0];
        if (!folder) throw new Error('the window has no workspace folder');
        const config = vscode.Uri.joinPath(folder.uri, PYTORCH_CONFIG);
        await vscode.window.showTextDocument(config, { preview: false });
        const started = await vscode.commands.executeCommand<JobStarted | undefined>(
          'supernet.train',
          config,
          { steps: TORCH_STEPS },
        );
        if (!started) throw new Error('Train started no job');
        const done = await waitFor(
          'the pytorch training to end',
          () => api.jobs().find((j) => j.jobId === started.jobId && j.exit),
          JOB_TIMEOUT_MS,
        );
        if (done.exit?.status !== 'completed')
          throw new Error(`the training ended ${done.exit?.status}: ${done.exit?.message ?? ''}`);
        const runId = done.runId;
        const run = (await api.runs()).find((r) => r.id === runId);
        if (!run || run.status !== 'completed' || run.step !== TORCH_STEPS)
          throw new Error(`the run lists as ${JSON.stringify(run)}`);
        if (run.backend !== 'pytorch') throw new Error(`the run trained on ${run.backend}`);
        const start = parseJsonLines(
          readFileSync(path.join(run.dir, 'events.jsonl'), 'utf8'),
          parseEngineEvent,
        ).records.find((e): e is RunStartEvent => e.type === 'run-start');
        if (start?.backend !== 'pytorch' || start.compute?.device !== 'cpu' || !start.compute.torch)
          throw new Error(`the run started as ${JSON.stringify(start)?.slice(0, 400)}`);
        // The Runs tree naming the backend, beside the run's loss chart in the editor.
        await vscode.commands.executeCommand('workbench.action.closePanel');
        await vscode.commands.executeCommand('workbench.view.extension.supernet');
        await vscode.commands.executeCommand('supernet.refreshRuns');
        // The earlier scenarios left runs expanded: collapsed, the newest run is the top row.
        await vscode.commands.executeCommand(
          'workbench.actions.treeView.supernet.runs.collapseAll',
        );
        await vscode.commands.executeCommand('supernet.openDashboard', runId, { tab: 'loss' });
        await requestScreenshot(
          'dashboard-pytorch',
          {
            waitFor: [
              inWebview(`[data-panel="loss"][data-points="${TORCH_STEPS}"] .uplot canvas`),
              `.sidebar .monaco-list-row:has-text("${runId}"):has-text("completed · pytorch")`,
            ],
            sidebarWidth: SIDEBAR_WIDTH_PX,
          },
          UI_TIMEOUT_MS + 10_000,
        );
      },
    },
  ];
}
