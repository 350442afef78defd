import { existsSync } from 'node:fs';
import { METRICS, type Metric } from '#shared/metrics';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobStarted } from '#shared/protocol/lsp';
import type { ExportPrecision } from '#shared/protocol/engine';
import type { RunSummary } from '#shared/runFolder/runSummary';
import { parseArchKey } from '#shared/arch';
import { isDashboardTab } from '#shared/dashboard/webview';
import type { DashboardPort } from './dashboardPort';
import { defaultBackend, finetuneEpochs, runsDirFor } from './settings';
import type { RunNode, RunTreeProvider, SubnetNode } from './tree/runTreeProvider';
import {
  resumableRuns,
  runDescription,
  sortSubnets,
  subnetLabel,
  type SubnetRow,
} from './tree/runTreeModel';
import { progressMessage, type JobProgress } from '#shared/jobs/jobProgress';
import { RunPaths } from '#shared/runFolder/layout';
import { accuracyKindLabel } from '#shared/accuracyKinds';
import { formatAccuracy } from '#shared/format/units';
import type { JobMonitor } from './runs/jobMonitor';
import { defaultExportFile } from './runs/runsFolder';
import type { RunsApi } from './runs/runsApi';

export type Cmd = (...args: unknown[]) => unknown;

/** What the run commands work with; built once in `activate`. */
export interface RunContext {
  api: RunsApi;
  monitor: JobMonitor;
  tree: RunTreeProvider;
  dashboard: DashboardPort;
}

const NODE_TYPES = new Set(['run', 'group', 'subnet', 'message']);
const isNode = (x: unknown): x is RunNode =>
  typeof x === 'object' && x !== null && NODE_TYPES.has((x as { type?: unknown }).type as string);

/** A config from a code lens (its URI, as a string or a Uri), else the active supernet editor. */
export function configUri(arg: unknown): vscode.Uri | undefined {
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  if (arg instanceof vscode.Uri) return arg;
  if (arg !== undefined) return undefined;
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === 'supernet' ? doc.uri : undefined;
}

/** The run a tree node belongs to. */
function runOfNode(arg: unknown): RunSummary | undefined {
  if (!isNode(arg)) return undefined;
  if (arg.type === 'run') return arg.run;
  if (arg.type === 'subnet') return arg.run;
  return arg.parent.type === 'run' ? arg.parent.run : arg.parent.parent.run;
}

const runsDirOf = (run: RunSummary): string => path.dirname(run.dir);

/** The engine runs code and reads data from the workspace: not before the user trusts it. */
function refuseUntrusted(what: string): boolean {
  if (vscode.workspace.isTrusted) return false;
  void vscode.window.showWarningMessage(
    `Supernet: ${what} runs code from this workspace on your machine, so it is disabled until you trust the workspace.`,
  );
  return true;
}

/** Runs a command and turns a thrown error into a message rather than a silent failure. */
const guarded =
  (what: string, fn: Cmd): Cmd =>
  async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(`Supernet: ${what} failed: ${msg}`);
      return undefined;
    }
  };

async function pickRun(
  ctx: RunContext,
  runs: RunSummary[],
  placeHolder: string,
): Promise<RunSummary | undefined> {
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`Supernet: no runs to choose from.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((run) => ({
      label: run.id,
      description: runDescription(run, ctx.monitor.overlay(run.id)),
      detail: run.configPath ? vscode.workspace.asRelativePath(run.configPath) : undefined,
      run,
    })),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.run;
}

async function freshRuns(ctx: RunContext): Promise<RunSummary[]> {
  ctx.tree.refresh();
  return ctx.tree.allRuns();
}

async function saveIfDirty(uri: vscode.Uri): Promise<void> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();
}

function track(ctx: RunContext, started: JobStarted, title: string): void {
  ctx.monitor.track(started, title);
  ctx.tree.requestRefresh();
}

async function revealFile(file: string): Promise<void> {
  const uri = vscode.Uri.file(file);
  const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
  await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
}

/** Options a caller (a walkthrough link, a test, another extension) may pass after the target. */
interface JobOptions {
  steps?: number;
  budget?: number;
  subnets?: number;
  epochs?: number;
  predictor?: 'none' | 'linas';
}
const jobOptions = (x: unknown): JobOptions => {
  if (typeof x !== 'object' || x === null) return {};
  const o = x as Record<string, unknown>;
  const out: JobOptions = {};
  for (const k of ['steps', 'budget', 'subnets'] as const)
    if (Number.isInteger(o[k]) && (o[k] as number) >= 1) out[k] = o[k] as number;
  if (typeof o.epochs === 'number' && o.epochs > 0) out.epochs = o.epochs;
  if (o.predictor === 'none' || o.predictor === 'linas') out.predictor = o.predictor;
  return out;
};

/** `{runId, key, file?, precision?, finetuned?}`: export without questions (for scripts and tests). */
interface ExportRequestArg {
  runId: string;
  key: string;
  file?: string;
  precision?: ExportPrecision;
  finetuned?: boolean;
}
const isExportArg = (x: unknown): x is ExportRequestArg =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as ExportRequestArg).runId === 'string' &&
  typeof (x as ExportRequestArg).key === 'string';

function train(ctx: RunContext): Cmd {
  return async (arg, opts) => {
    const uri = configUri(arg);
    if (!uri || uri.scheme !== 'file') {
      void vscode.window.showWarningMessage(
        'Supernet: open a saved *.supernet.yaml file to train it.',
      );
      return;
    }
    if (refuseUntrusted('training')) return;
    const runsDir = runsDirFor(uri);
    if (!runsDir) throw new Error('no folder to keep the runs in');
    await saveIfDirty(uri);
    const { steps } = jobOptions(opts);
    // `auto` is the setting's default: the config's own `train.backend` decides.
    const backend = defaultBackend(uri);
    const started = await ctx.api.train({
      configPath: uri.fsPath,
      runsDir,
      ...(backend !== 'auto' ? { backend } : {}),
      ...(steps ? { steps } : {}),
    });
    track(ctx, started, path.basename(uri.fsPath));
    return started;
  };
}

function search(ctx: RunContext): Cmd {
  return async (arg, opts) => {
    if (refuseUntrusted('searching')) return;
    let run: string;
    let runsDir: string | undefined;
    let title: string;
    const node = runOfNode(arg);
    const uri = node ? undefined : configUri(arg);
    if (node) {
      [run, runsDir, title] = [node.id, runsDirOf(node), node.id];
    } else if (uri?.scheme === 'file') {
      // The server picks the config's newest trained run.
      await saveIfDirty(uri);
      [run, runsDir, title] = [uri.fsPath, runsDirFor(uri), path.basename(uri.fsPath)];
    } else {
      const runs = (await freshRuns(ctx)).filter((r) => r.status !== 'running');
      const picked = await pickRun(ctx, runs, 'Search which trained run?');
      if (!picked) return;
      [run, runsDir, title] = [picked.id, runsDirOf(picked), picked.id];
    }
    if (!runsDir) throw new Error('no folder to keep the runs in');
    const { budget, predictor } = jobOptions(opts);
    const started = await ctx.api.search({
      run,
      runsDir,
      ...(budget ? { budget } : {}),
      ...(predictor ? { predictor } : {}),
    });
    track(ctx, started, title);
    return started;
  };
}

function stop(ctx: RunContext): Cmd {
  return async (arg) => {
    const run = runOfNode(arg);
    const jobs = ctx.monitor.active().filter((j) => !run || j.runId === run.id);
    if (jobs.length === 0) {
      void vscode.window.showInformationMessage('Supernet: no job of this window is running.');
      return;
    }
    const job =
      jobs.length === 1
        ? jobs[0]
        : (
            await vscode.window.showQuickPick(
              jobs.map((j) => ({
                label: `${j.kind} ${j.runId ?? j.title}`,
                description: progressMessage(j),
                job: j,
              })),
              { placeHolder: 'Stop which job?' },
            )
          )?.job;
    if (job) await ctx.monitor.cancel(job.jobId);
  };
}

function resume(ctx: RunContext): Cmd {
  return async (arg) => {
    if (refuseUntrusted('training')) return;
    const run =
      runOfNode(arg) ??
      (await pickRun(ctx, resumableRuns(await freshRuns(ctx)), 'Resume which stopped run?'));
    if (!run) return;
    const started = await ctx.api.resume({ runId: run.id, runsDir: runsDirOf(run) });
    track(ctx, started, run.id);
    return started;
  };
}

function openDashboard(ctx: RunContext): Cmd {
  return async (arg, opts) => {
    let run = runOfNode(arg);
    if (!run) {
      const runs = await freshRuns(ctx);
      run =
        typeof arg === 'string'
          ? runs.find((r) => r.id === arg)
          : runs.length === 1
            ? runs[0]
            : await pickRun(ctx, runs, 'Open the dashboard of which run?');
    }
    // The status bar names a run that a fresh job may not have listed yet.
    const dir = run?.dir ?? (typeof arg === 'string' ? ctx.monitor.runDirOf(arg) : undefined);
    if (!dir) return;
    const tab = (opts as { tab?: unknown } | undefined)?.tab;
    await ctx.dashboard.show(dir, {
      runId: run?.id ?? String(arg),
      ...(isDashboardTab(tab) ? { tab } : {}),
    });
  };
}

/**
 * Check Ranking: trains K subnets of a run alone and compares their ranking with the
 * supernet's (an engine job: progress, cancel, rank.json in the run folder).
 */
function checkRanking(ctx: RunContext): Cmd {
  return async (arg, opts) => {
    if (refuseUntrusted('checking the ranking')) return;
    const run =
      runOfNode(arg) ??
      (await pickRun(
        ctx,
        (await freshRuns(ctx)).filter((r) => r.status !== 'running' && (r.step ?? 0) > 0),
        'Check the ranking of which trained run?',
      ));
    if (!run) return;
    const { subnets, epochs } = jobOptions(opts);
    const started = await ctx.api.rank({
      run: run.id,
      runsDir: runsDirOf(run),
      ...(subnets ? { subnets } : {}),
      ...(epochs ? { epochs } : {}),
    });
    track(ctx, started, run.id);
    return started;
  };
}

/** Export: from a subnet node, or a run then one of its front's (else all) candidates. */
function exportSubnet(ctx: RunContext): Cmd {
  return async (arg) => {
    if (refuseUntrusted('exporting')) return;
    let run: RunSummary | undefined;
    let key: string | undefined;
    let file: string | undefined;
    let precision: ExportPrecision = 'float32';
    let ask = true;
    let finetuned = false;
    if (isExportArg(arg)) {
      run = (await freshRuns(ctx)).find((r) => r.id === arg.runId);
      if (!run) throw new Error(`no run ${arg.runId}`);
      [key, file, ask, finetuned] = [arg.key, arg.file, false, arg.finetuned === true];
      if (arg.precision === 'int8') precision = 'int8';
      // A caller that is not the user (another extension, a link) writes inside the workspace
      // only; the engine then checks the file as it checks the CLI's -o.
      if (file !== undefined && !vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)))
        throw new Error(`export file ${file} is outside the workspace`);
    } else if (isNode(arg) && arg.type === 'subnet') {
      [run, key] = [arg.run, arg.row.key];
      if (arg.row.finetune) {
        const which = await chooseWeights(arg.row);
        if (which === undefined) return;
        finetuned = which;
      }
    } else {
      run = runOfNode(arg);
      if (!run) {
        const runs = (await freshRuns(ctx)).filter((r) => r.hasPareto || r.candidates > 0);
        run = await pickRun(ctx, runs, 'Export a subnet of which run?');
      }
      if (!run) return;
      key = await pickSubnet(ctx, run);
    }
    if (!key) return;
    if (ask) {
      const chosen = await choosePrecision(key);
      if (!chosen) return;
      precision = chosen;
    }
    const fallback = new RunPaths(run.dir).exportFile(key, { precision, finetuned });
    if (ask) {
      const chosen = await chooseExportFile(key, fallback);
      if (chosen === null) return;
      file = chosen;
    }
    const started = await ctx.api.export({
      run: run.id,
      runsDir: runsDirOf(run),
      key,
      file,
      ...(precision === 'int8' ? { precision } : {}),
      ...(finetuned ? { finetuned: true } : {}),
    });
    track(ctx, started, key);
    const done = await ctx.monitor.whenDone(started.jobId);
    if (done.exit?.status !== 'completed') return;
    const out = done.exported?.file ?? file ?? fallback;
    ctx.tree.refresh();
    await revealFile(out);
    void vscode.window.showInformationMessage(
      `Supernet: exported ${key} as ${precision} to ${vscode.workspace.asRelativePath(out)}.`,
    );
    return out;
  };
}

/** float32 or int8; undefined when the user cancels. */
async function choosePrecision(key: string): Promise<ExportPrecision | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      {
        label: 'float32',
        description: 'the subnet as trained, verified against the supernet',
        precision: 'float32' as const,
      },
      {
        label: 'int8',
        description:
          'static quantisation, weights a byte each; accuracy, size and latency measured against float32',
        precision: 'int8' as const,
      },
    ],
    { placeHolder: `Export ${key} in which precision?` },
  );
  return picked?.precision;
}

/** Which weights of a fine-tuned subnet to export: true for the fine-tuned; undefined when cancelled. */
async function chooseWeights(row: SubnetRow): Promise<boolean | undefined> {
  const f = row.finetune!;
  const picked = await vscode.window.showQuickPick(
    [
      {
        label: '$(mortar-board) Fine-tuned weights',
        description: `${accuracyKindLabel({ kind: 'finetuned', epochs: f.epochs })} ${formatAccuracy(f.finetuned.accuracy)}`,
        finetuned: true,
      },
      {
        label: '$(circuit-board) Inherited weights',
        description: `inherited ${formatAccuracy(f.inherited.accuracy)}`,
        finetuned: false,
      },
    ],
    { placeHolder: `Export which weights of ${row.key}?` },
  );
  return picked?.finetuned;
}

/** `{runId, key, epochs?}`: fine-tune without questions (the Pareto tab, scripts and tests). */
interface FinetuneArg {
  runId: string;
  key: string;
  epochs?: number;
}
const isFinetuneArg = (x: unknown): x is FinetuneArg =>
  isExportArg(x) &&
  ((x as FinetuneArg).epochs === undefined ||
    (typeof (x as FinetuneArg).epochs === 'number' && (x as FinetuneArg).epochs! > 0));

/** The run and subnet a fine-tune command names: a subnet node, an argument, or the user's pick. */
async function finetuneTarget(
  ctx: RunContext,
  arg: unknown,
): Promise<{ run: RunSummary; key: string; epochs?: number } | undefined> {
  if (isFinetuneArg(arg)) {
    const run = (await freshRuns(ctx)).find((r) => r.id === arg.runId);
    if (!run) throw new Error(`no run ${arg.runId}`);
    return { run, key: arg.key, ...(arg.epochs ? { epochs: arg.epochs } : {}) };
  }
  if (isNode(arg) && arg.type === 'subnet') return { run: arg.run, key: arg.row.key };
  let run = runOfNode(arg);
  if (!run) {
    const runs = (await freshRuns(ctx)).filter(
      (r) => r.status !== 'running' && (r.hasPareto || r.candidates > 0),
    );
    run = await pickRun(ctx, runs, 'Fine-tune a subnet of which run?');
  }
  if (!run) return undefined;
  const key = await pickSubnet(ctx, run, 'Fine-tune');
  return key ? { run, key } : undefined;
}

/**
 * Fine-tune Subnet: the subnet's inherited weights trained alone (an engine job: progress,
 * Stop, resume from its checkpoint, `<run>/finetune/<key>/`). Resolves to the job's state
 * once it ended.
 */
async function startFinetune(
  ctx: RunContext,
  t: { run: RunSummary; key: string; epochs?: number },
): Promise<JobProgress> {
  const epochs = t.epochs ?? finetuneEpochs(vscode.Uri.file(t.run.dir));
  const started = await ctx.api.finetune({
    run: t.run.id,
    runsDir: runsDirOf(t.run),
    key: t.key,
    ...(epochs ? { epochs } : {}),
  });
  track(ctx, started, t.key);
  const done = await ctx.monitor.whenDone(started.jobId);
  ctx.tree.refresh();
  return done;
}

function finetuneSubnet(ctx: RunContext): Cmd {
  return async (arg) => {
    if (refuseUntrusted('fine-tuning')) return;
    const target = await finetuneTarget(ctx, arg);
    if (!target) return;
    const done = await startFinetune(ctx, target);
    return done.finetune?.result;
  };
}

/**
 * Fine-tune and export int8: the fine-tune, then an export of its weights quantised to int8
 * (ExportCommand.int8), then the file revealed: a deployable model in one step.
 */
function finetuneAndExportInt8(ctx: RunContext): Cmd {
  return async (arg) => {
    if (refuseUntrusted('fine-tuning')) return;
    const target = await finetuneTarget(ctx, arg);
    if (!target) return;
    const tuned = await startFinetune(ctx, target);
    if (tuned.exit?.status !== 'completed') return;
    const { run, key } = target;
    const started = await ctx.api.export({
      run: run.id,
      runsDir: runsDirOf(run),
      key,
      finetuned: true,
      precision: 'int8',
    });
    track(ctx, started, `${key} (fine-tuned, int8)`);
    const done = await ctx.monitor.whenDone(started.jobId);
    if (done.exit?.status !== 'completed') return;
    const out =
      done.exported?.file ??
      new RunPaths(run.dir).exportFile(key, { precision: 'int8', finetuned: true });
    ctx.tree.refresh();
    await revealFile(out);
    void vscode.window.showInformationMessage(
      `Supernet: fine-tuned ${key} and exported it to ${vscode.workspace.asRelativePath(out)}.`,
    );
    return out;
  };
}

/** The run folder (undefined) or a file the user picks; null when they cancel. */
async function chooseExportFile(key: string, fallback: string): Promise<string | undefined | null> {
  const where = await vscode.window.showQuickPick(
    [
      {
        label: '$(folder) Run folder',
        description: vscode.workspace.asRelativePath(fallback),
        choose: false,
      },
      { label: '$(save-as) Choose a file…', choose: true },
    ],
    { placeHolder: `Export ${key} to…` },
  );
  if (!where) return null;
  if (!where.choose) return undefined;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(fallback),
    filters: { ONNX: ['onnx'] },
  });
  return target ? target.fsPath : null;
}

async function pickSubnet(
  ctx: RunContext,
  run: RunSummary,
  verb = 'Export',
): Promise<string | undefined> {
  const s = await ctx.tree.runSubnets(run);
  const rows: SubnetRow[] = s.front.length ? s.front : s.all;
  if (rows.length === 0) {
    void vscode.window.showInformationMessage(
      `Supernet: ${run.id} has no candidates yet; run Search first.`,
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    sortSubnets(rows, ctx.tree.sortBy).map((row) => ({
      label: subnetLabel(row),
      description: row.key,
      key: row.key,
    })),
    {
      placeHolder: s.front.length
        ? `${verb} which subnet of the Pareto front?`
        : `${verb} which candidate?`,
      matchOnDescription: true,
    },
  );
  return picked?.key;
}

function compareRuns(ctx: RunContext): Cmd {
  return async () => {
    const runs = await freshRuns(ctx);
    if (runs.length < 2) {
      void vscode.window.showInformationMessage('Supernet: comparing needs at least two runs.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      runs.map((run) => ({
        label: run.id,
        description: runDescription(run, ctx.monitor.overlay(run.id)),
        run,
      })),
      { canPickMany: true, placeHolder: 'Compare which runs? (pick two or more)' },
    );
    if (!picked) return;
    if (picked.length < 2) {
      void vscode.window.showInformationMessage('Supernet: pick at least two runs to compare.');
      return;
    }
    await ctx.dashboard.compare(picked.map((p) => p.run.dir));
  };
}

const asSubnet = (arg: unknown): SubnetNode | undefined =>
  isNode(arg) && arg.type === 'subnet' ? arg : undefined;

function showInChart(ctx: RunContext): Cmd {
  return async (arg) => {
    const node = asSubnet(arg);
    if (!node) return;
    await ctx.dashboard.show(node.run.dir, { runId: node.run.id, focusKey: node.row.key });
    ctx.dashboard.highlight(node.run.id, node.row.key);
  };
}

function copyArch(): Cmd {
  return async (arg) => {
    const node = asSubnet(arg);
    if (!node) return;
    const arch = node.row.arch ?? parseArchKey(node.row.key);
    if (!arch) throw new Error(`${node.row.key} is not an arch key`);
    await vscode.env.clipboard.writeText(JSON.stringify(arch, null, 2));
    vscode.window.setStatusBarMessage(`Supernet: copied the arch of ${node.row.key}`, 3000);
  };
}

function revealExport(): Cmd {
  return async (arg) => {
    const node = asSubnet(arg);
    if (!node) return;
    // The float32 export, else the int8 one, else those of the fine-tuned weights.
    const file = [
      defaultExportFile(node.run.dir, node.row.key),
      defaultExportFile(node.run.dir, node.row.key, { precision: 'int8' }),
      defaultExportFile(node.run.dir, node.row.key, { finetuned: true }),
      defaultExportFile(node.run.dir, node.row.key, { precision: 'int8', finetuned: true }),
    ].find((f) => existsSync(f));
    if (!file) {
      void vscode.window.showInformationMessage(
        `Supernet: ${node.row.key} has not been exported yet.`,
      );
      return;
    }
    await revealFile(file);
  };
}

function sortBy(ctx: RunContext): Cmd {
  return async (arg) => {
    const current = ctx.tree.sortBy;
    const by: Metric | undefined = METRICS.includes(arg as Metric)
      ? (arg as Metric)
      : (
          await vscode.window.showQuickPick(
            METRICS.map((o) => ({
              label: o,
              description:
                o === current ? 'current' : o === 'accuracy' ? 'highest first' : 'lowest first',
            })),
            { placeHolder: 'Sort subnets by…' },
          )
        )?.label;
    if (by) await ctx.tree.setSortBy(by);
  };
}

/** The run commands by id; every one turns its errors into a message. */
export function runCommands(ctx: RunContext): Record<string, Cmd> {
  const table: Record<string, [string, Cmd]> = {
    'supernet.train': ['Train', train(ctx)],
    'supernet.search': ['Search', search(ctx)],
    'supernet.stop': ['Stop', stop(ctx)],
    'supernet.resume': ['Resume', resume(ctx)],
    'supernet.openDashboard': ['Open Dashboard', openDashboard(ctx)],
    'supernet.exportSubnet': ['Export Subnet', exportSubnet(ctx)],
    'supernet.compareRuns': ['Compare Runs', compareRuns(ctx)],
    'supernet.checkRanking': ['Check Ranking', checkRanking(ctx)],
    'supernet.finetuneSubnet': ['Fine-tune Subnet', finetuneSubnet(ctx)],
    'supernet.finetuneAndExportInt8': ['Fine-tune and export int8', finetuneAndExportInt8(ctx)],
    'supernet.showInChart': ['Show in Pareto chart', showInChart(ctx)],
    'supernet.copyArch': ['Copy arch JSON', copyArch()],
    'supernet.revealExport': ['Reveal export', revealExport()],
    'supernet.sortBy': ['Sort by', sortBy(ctx)],
    'supernet.refreshRuns': ['Refresh', () => ctx.tree.refresh()],
  };
  return Object.fromEntries(
    Object.entries(table).map(([id, [what, fn]]) => [id, guarded(what, fn)]),
  );
}
