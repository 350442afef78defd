// The run path in a real VS Code: Train a few steps of the tiny example, watch the loss
// chart draw, Search with a small budget, see Pareto points and tree nodes, export one
// subnet and find the .onnx file on disk. Screenshots of the dashboard's panels and of the
// tree are saved by the runner (test-results/e2e/*.png).
import { existsSync, readFileSync } from 'node:fs';
import type * as VSCode from 'vscode';
import type { SupernetExtensionApi } from '../../../client/src/extension';
import type { JobStarted } from '#shared/protocol/lsp';
import { requestScreenshot } from '../screenshotRequests';
import { E2E_DEVICE } from '../folders';
import { waitFor } from '../wait';
import type { Test } from './runner';

const EXTENSION_ID = 'supernet-studio.supernet-studio';
/** Training and search run in the engine on this machine's CPU: generous, but bounded. */
const JOB_TIMEOUT_MS = 120_000;
const UI_TIMEOUT_MS = 30_000;
const TRAIN_STEPS = 24;
const SEARCH_BUDGET = 8;
const STOP_RESUME_STEPS = 60;
/** Fine-tune Subnet's length in the suite (the setting `supernet.finetuneEpochs`): 42 steps. */
const FINETUNE_EPOCHS = 0.05;

/** Selectors inside the dashboard webview (nested iframes): the runner looks in every frame. */
const inWebview = (selector: string) => `frame:${selector}`;

export function runTests(vscode: typeof VSCode): Test[] {
  let api: SupernetExtensionApi | undefined;
  let runId: string | undefined;
  const ext = () => {
    if (!api) throw new Error('the extension API is not available (did activation fail?)');
    return api;
  };
  const tinyUri = () => {
    const f = vscode.workspace.workspaceFolders?.[0];
    if (!f) throw new Error('the window has no workspace folder');
    return vscode.Uri.joinPath(f.uri, 'tiny.supernet.yaml');
  };
  /** Runs a job command and waits for its engine to finish; fails unless it completed. */
  const runJob = async (what: string, command: string, target: unknown, opts: object) => {
    const started = await vscode.commands.executeCommand<JobStarted | undefined>(
      command,
      target,
      opts,
    );
    if (!started) throw new Error(`${what} started no job (untrusted workspace? no data?)`);
    const done = await waitFor(
      `the ${what} job to end`,
      () =>
        ext()
          .jobs()
          .find((j) => j.jobId === started.jobId && j.exit),
      JOB_TIMEOUT_MS,
    );
    if (done.exit?.status !== 'completed')
      throw new Error(`${what} ended ${done.exit?.status}: ${done.exit?.message ?? ''}`);
    return done;
  };
  const screenshot = async (name: string, selectors: string[]) => {
    const shot = await requestScreenshot(name, { waitFor: selectors }, UI_TIMEOUT_MS + 10_000);
    if (shot === undefined) return; // no runner taking screenshots (a plain extension-host run)
  };

  /**
   * A person's right-click on the subnet in the Runs tree and a click on the menu entry
   * `entry`; without a runner to click (a plain extension-host run), `command` with the node
   * the menu passes. Resolves to the ids of the jobs that existed before.
   */
  const chooseFromSubnetMenu = async (
    key: string,
    entry: string,
    command: string,
    shotName: string,
  ): Promise<Set<string>> => {
    const before = new Set(
      ext()
        .jobs()
        .map((j) => j.jobId),
    );
    await vscode.commands.executeCommand('workbench.view.extension.supernet');
    await vscode.commands.executeCommand('supernet.refreshRuns');
    await waitFor(
      'the tree to select the subnet',
      () =>
        ext()
          .reveal(runId ?? '', key)
          .then((ok) => (ok ? true : undefined)),
      UI_TIMEOUT_MS,
    );
    const row = `.sidebar .monaco-list-row.selected`;
    const shot = await requestScreenshot(
      shotName,
      { waitFor: [row], contextMenu: { rightClick: row, thenChoose: entry } },
      UI_TIMEOUT_MS + 10_000,
    );
    if (shot === undefined)
      void vscode.commands.executeCommand(command, await ext().subnetNode(runId ?? '', key));
    return before;
  };

  return [
    {
      name: `Train runs ${TRAIN_STEPS} steps of the tiny example in the engine and the run completes`,
      fn: async () => {
        const extension = vscode.extensions.getExtension<SupernetExtensionApi>(EXTENSION_ID);
        if (!extension) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
        api = await extension.activate();
        await vscode.window.showTextDocument(tinyUri(), { preview: false });
        const done = await runJob('training', 'supernet.train', tinyUri(), {
          steps: TRAIN_STEPS,
        });
        runId = done.runId;
        if (!runId) throw new Error('the job never named its run');
        const runs = await ext().runs();
        const run = runs.find((r) => r.id === runId);
        if (!run || run.step !== TRAIN_STEPS)
          throw new Error(`the run lists as ${JSON.stringify(run)}`);
      },
    },
    {
      name: 'the dashboard draws the loss and gradient-variance charts of the run',
      fn: async () => {
        // The charts get the editor area's full height.
        await vscode.commands.executeCommand('workbench.action.closePanel');
        await vscode.commands.executeCommand('supernet.openDashboard', runId, { tab: 'loss' });
        await screenshot('dashboard-loss', [
          inWebview(`[data-panel="loss"][data-points="${TRAIN_STEPS}"] .uplot canvas`),
        ]);
        await vscode.commands.executeCommand('supernet.openDashboard', runId, {
          tab: 'gradients',
        });
        await screenshot('dashboard-gradient-variance', [
          inWebview(`[data-panel="gradients"][data-points="${TRAIN_STEPS}"] .uplot canvas`),
        ]);
      },
    },
    {
      name: `Search evaluates ${SEARCH_BUDGET} subnets; Pareto points and tree nodes appear`,
      fn: async () => {
        await runJob('search', 'supernet.search', tinyUri(), { budget: SEARCH_BUDGET });
        const subnets = await waitFor(
          'the tree to list the Pareto front',
          async () => {
            const s = await ext().subnets(runId ?? '');
            return s && s.front.length > 0 && s.all.length >= SEARCH_BUDGET ? s : undefined;
          },
          UI_TIMEOUT_MS,
        );
        if (subnets.all.length !== SEARCH_BUDGET)
          throw new Error(`${subnets.all.length} candidates, expected ${SEARCH_BUDGET}`);
        await vscode.commands.executeCommand('supernet.openDashboard', runId, { tab: 'pareto' });
        await screenshot('dashboard-pareto', [
          inWebview(`[data-panel="pareto"][data-candidates="${SEARCH_BUDGET}"] .uplot canvas`),
          // The hypervolume axis fitted to the generations searched, not uPlot's 0–100.
          inWebview(`[data-chart="hypervolume"][data-x-max]:not([data-x-max="100"])`),
        ]);
        await vscode.commands.executeCommand('workbench.view.extension.supernet');
        await vscode.commands.executeCommand('supernet.refreshRuns');
        const key = subnets.front[0].key;
        await waitFor(
          'the tree to reveal a front subnet',
          () =>
            ext()
              .reveal(runId ?? '', key)
              .then((ok) => (ok ? true : undefined)),
          UI_TIMEOUT_MS,
        );
        await screenshot('tree', [
          `.sidebar .monaco-list-row:has-text("${runId}")`,
          `.sidebar .monaco-list-row:has-text("Pareto front")`,
          `.sidebar .monaco-list-row.selected`,
        ]);
      },
    },
    {
      name: "a device picked in the Pareto tab's axis menu plots each subnet's latency on it",
      fn: async () => {
        await vscode.commands.executeCommand('supernet.openDashboard', runId, { tab: 'pareto' });
        const menu = inWebview('[data-panel="pareto"] .controls select');
        const shot = await requestScreenshot(
          'dashboard-pareto-device',
          {
            // An <option> of a closed <select> is never "visible": choosing it is the check.
            waitFor: [menu],
            choose: {
              select: menu,
              value: `latency@${E2E_DEVICE}`,
              thenWaitFor: [
                inWebview(
                  `[data-panel="pareto"] .scatter[data-x-metric="latency@${E2E_DEVICE}"] .uplot canvas`,
                ),
              ],
            },
          },
          UI_TIMEOUT_MS + 10_000,
        );
        if (shot === undefined) return;
      },
    },
    {
      name: "a predictor-assisted search: the Pareto tab shows the predictor's τ and MAPE per generation",
      fn: async () => {
        // Three generations of 16: generations 1 and 2 are chosen by the predictor.
        await runJob('search', 'supernet.search', tinyUri(), { budget: 48, predictor: 'linas' });
        await vscode.commands.executeCommand('supernet.openDashboard', runId, { tab: 'pareto' });
        const table = inWebview(
          '[data-panel="pareto"] [data-table="predictor"] tr:nth-child(3) td',
        );
        await requestScreenshot(
          'dashboard-pareto-predictor',
          { waitFor: [table], scrollTo: table },
          UI_TIMEOUT_MS + 10_000,
        );
      },
    },
    {
      name: 'Export Subnet writes a front subnet as .onnx with its sidecar',
      fn: async () => {
        const subnets = await ext().subnets(runId ?? '');
        const key = subnets?.front[0]?.key;
        if (!key) throw new Error('no subnet on the front');
        const file = await vscode.commands.executeCommand<string | undefined>(
          'supernet.exportSubnet',
          { runId, key },
        );
        if (!file) throw new Error('Export Subnet returned no file');
        if (!file.endsWith(`${key}.onnx`) || !existsSync(file) || !existsSync(`${file}.json`))
          throw new Error(`no ${file} (or its sidecar) on disk`);
      },
    },
    {
      name: 'Export Subnet in int8 writes <key>.int8.onnx, its sidecar naming the precision and calibration',
      fn: async () => {
        const subnets = await ext().subnets(runId ?? '');
        const key = subnets?.front[0]?.key;
        if (!key) throw new Error('no subnet on the front');
        const file = await vscode.commands.executeCommand<string | undefined>(
          'supernet.exportSubnet',
          { runId, key, precision: 'int8' },
        );
        if (!file?.endsWith(`${key}.int8.onnx`) || !existsSync(file))
          throw new Error(`Export Subnet in int8 wrote no ${key}.int8.onnx (returned ${file})`);
        const sidecar = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as {
          precision?: string;
          int8?: { calibration?: string; calibrationImages?: number };
        };
        if (sidecar.precision !== 'int8' || !sidecar.int8?.calibration)
          throw new Error(`the sidecar of ${file} names no int8 precision and calibration`);
      },
    },
    {
      name: "Fine-tune Subnet from the tree's context menu: the subnet shows its fine-tuned accuracy, the Pareto tab its point",
      fn: async () => {
        const subnets = await ext().subnets(runId ?? '');
        const key = subnets?.front[0]?.key;
        if (!key) throw new Error('no subnet on the front');
        await vscode.workspace
          .getConfiguration('supernet')
          .update('finetuneEpochs', FINETUNE_EPOCHS, vscode.ConfigurationTarget.Workspace);
        const before = await chooseFromSubnetMenu(
          key,
          'Fine-tune Subnet',
          'supernet.finetuneSubnet',
          'tree-finetune-menu',
        );
        const job = await waitFor(
          'the fine-tune job to start',
          () =>
            ext()
              .jobs()
              .find((j) => j.kind === 'finetune' && !before.has(j.jobId)),
          UI_TIMEOUT_MS,
        );
        const done = await ext().whenDone(job.jobId);
        if (done.exit?.status !== 'completed')
          throw new Error(`the fine-tune ended ${done.exit?.status}: ${done.exit?.message ?? ''}`);
        const result = done.finetune?.result;
        if (!result || result.key !== key || result.epochs !== FINETUNE_EPOCHS)
          throw new Error(`the fine-tune reported ${JSON.stringify(result)}`);
        // The tree shows the subnet's best-trained figure, labelled.
        const tuned = await waitFor(
          "the tree to show the subnet's fine-tuned accuracy",
          async () => {
            const s = await ext().subnets(runId ?? '');
            const r = s?.front.find((f) => f.key === key);
            return r?.finetune ? r : undefined;
          },
          UI_TIMEOUT_MS,
        );
        if (tuned.finetune?.finetuned.accuracy !== result.finetuned.accuracy)
          throw new Error(`the tree shows ${JSON.stringify(tuned.finetune)}`);
        await vscode.commands.executeCommand('supernet.refreshRuns');
        await ext().reveal(runId ?? '', key);
        await screenshot('tree-finetuned', [
          `.sidebar .monaco-list-row.selected:has-text("fine-tuned ${FINETUNE_EPOCHS} ep")`,
        ]);
        await vscode.commands.executeCommand('supernet.openDashboard', runId, { tab: 'pareto' });
        await vscode.commands.executeCommand(
          'supernet.showInChart',
          await ext().subnetNode(runId ?? '', key),
        );
        await screenshot('dashboard-pareto-finetuned', [
          inWebview(`[data-panel="pareto"][data-finetuned="1"] .uplot canvas`),
          inWebview(`[data-panel="pareto"] .u-legend :text("fine-tuned")`),
          inWebview(`[data-panel="pareto"] .actions button:has-text("Fine-tune Subnet")`),
        ]);
        await vscode.commands.executeCommand('supernet.openDashboard', runId, { tab: 'finetune' });
        await screenshot('dashboard-finetune', [
          inWebview(`[data-panel="finetune"][data-finetuned="1"] .uplot canvas`),
        ]);
      },
    },
    {
      name: "Fine-tune and Export int8 from the tree's context menu: both jobs run, <key>.finetuned.int8.onnx is written and revealed",
      fn: async () => {
        const subnets = await ext().subnets(runId ?? '');
        // A subnet not fine-tuned yet: the chain trains it, then quantises the result.
        const key = [...(subnets?.front ?? []), ...(subnets?.all ?? [])].find(
          (s) => !s.finetune,
        )?.key;
        if (!key) throw new Error('every subnet is fine-tuned already');
        const before = await chooseFromSubnetMenu(
          key,
          'Fine-tune and Export int8',
          'supernet.finetuneAndExportInt8',
          'tree-deploy-menu',
        );
        const newJob = (kind: string) => () =>
          ext()
            .jobs()
            .find((j) => j.kind === kind && !before.has(j.jobId));
        const tune = await waitFor('the fine-tune job to start', newJob('finetune'), UI_TIMEOUT_MS);
        const tuned = await ext().whenDone(tune.jobId);
        if (tuned.exit?.status !== 'completed' || tuned.finetune?.result?.key !== key)
          throw new Error(
            `the fine-tune ended ${tuned.exit?.status}: ${tuned.exit?.message ?? ''}`,
          );
        const exp = await waitFor('the export job to start', newJob('export'), UI_TIMEOUT_MS);
        const exported = await ext().whenDone(exp.jobId);
        if (exported.exit?.status !== 'completed')
          throw new Error(
            `the export ended ${exported.exit?.status}: ${exported.exit?.message ?? ''}`,
          );
        const file = exported.exported?.file;
        if (!file?.endsWith(`${key}.finetuned.int8.onnx`) || !existsSync(file))
          throw new Error(`the chain wrote no ${key}.finetuned.int8.onnx (reported ${file})`);
        const sidecar = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as {
          precision?: string;
          accuracyKind?: string;
          int8?: { int8Accuracy?: number };
        };
        if (
          sidecar.precision !== 'int8' ||
          sidecar.accuracyKind !== 'finetuned' ||
          sidecar.int8?.int8Accuracy === undefined
        )
          throw new Error(`the sidecar of ${file} says ${JSON.stringify(sidecar).slice(0, 300)}`);
        // Revealed: the Explorer shows the file selected.
        await screenshot('explorer-deployed', [
          `.explorer-folders-view .monaco-list-row.selected:has-text("${key}.finetuned.int8.onnx")`,
        ]);
      },
    },
    {
      name: `Stop ends a running training with a checkpoint; Resume continues it to step ${STOP_RESUME_STEPS}`,
      fn: async () => {
        const started = await vscode.commands.executeCommand<JobStarted | undefined>(
          'supernet.train',
          tinyUri(),
          { steps: STOP_RESUME_STEPS },
        );
        if (!started) throw new Error('Train started no job');
        const running = await waitFor(
          'the training to pass step 5',
          () =>
            ext()
              .jobs()
              .find((j) => j.jobId === started.jobId && (j.step ?? 0) >= 5 && j.runId),
          JOB_TIMEOUT_MS,
        );
        const id = running.runId!;
        // The Runs tree shows the step the status bar shows.
        await vscode.commands.executeCommand('workbench.view.extension.supernet');
        await screenshot('tree-running', [`.sidebar .monaco-list-row:has-text("running")`]);
        await vscode.commands.executeCommand('supernet.stop');
        const stopped = await waitFor(
          'the stopped job to exit',
          () =>
            ext()
              .jobs()
              .find((j) => j.jobId === started.jobId && j.exit),
          JOB_TIMEOUT_MS,
        );
        if (stopped.exit?.status !== 'cancelled')
          throw new Error(`Stop ended the job ${stopped.exit?.status}`);
        const at = stopped.step ?? 0;
        const run = (await ext().runs()).find((r) => r.id === id);
        if (run?.status !== 'cancelled' || run.step !== at || at >= STOP_RESUME_STEPS)
          throw new Error(`after Stop the run lists as ${JSON.stringify(run)}`);
        const resumed = await vscode.commands.executeCommand<JobStarted | undefined>(
          'supernet.resume',
          { type: 'run', run },
        );
        if (!resumed) throw new Error('Resume started no job');
        const done = await waitFor(
          'the resumed run to finish',
          () =>
            ext()
              .jobs()
              .find((j) => j.jobId === resumed.jobId && j.exit),
          JOB_TIMEOUT_MS,
        );
        if (done.exit?.status !== 'completed')
          throw new Error(`the resumed run ended ${done.exit?.status}: ${done.exit?.message}`);
        const final = (await ext().runs()).find((r) => r.id === id);
        if (final?.status !== 'completed' || final.step !== STOP_RESUME_STEPS)
          throw new Error(`after Resume the run lists as ${JSON.stringify(final)}`);
      },
    },
  ];
}
