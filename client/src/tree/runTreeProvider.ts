import * as vscode from 'vscode';
import { isMetric, type Metric } from '#shared/metrics';
import type { RunSummary } from '#shared/runFolder/summarise';
import { listRuns } from '#shared/runFolder/readRuns';
import { sortRuns } from '#shared/runFolder/summarise';
import { readRunSubnets, type RunSubnets } from './runFiles';
import {
  effectiveStatus,
  runDescription,
  runIcon,
  sortSubnets,
  subnetLabel,
  subnetTooltip,
  type RunOverlay,
  type SubnetRow,
} from './runTreeModel';

export type GroupKind = 'front' | 'all';

export type RunNode =
  | { type: 'run'; run: RunSummary }
  | { type: 'group'; parent: RunNode & { type: 'run' }; group: GroupKind }
  | {
      type: 'subnet';
      parent: RunNode & { type: 'group' };
      run: RunSummary;
      row: SubnetRow;
      exported: boolean;
    }
  | { type: 'message'; parent: RunNode & { type: 'group' }; text: string };

export type SubnetNode = RunNode & { type: 'subnet' };
export type RunItemNode = RunNode & { type: 'run' };

/** Where the provider gets what it shows; the extension passes the language server's view. */
export interface RunSource {
  /** The runs of every runs folder of the workspace; undefined when the server cannot answer. */
  listRuns(): Promise<RunSummary[] | undefined>;
  runsDirs(): string[];
  overlay(runId: string): RunOverlay | undefined;
}

const SORT_KEY = 'supernet.sortBy';
/** Events of a search arrive many times a second; the tree re-reads the folder at most this often. */
const REFRESH_INTERVAL_MS = 1500;

/** The Runs view: runs → Pareto front / All candidates → subnets. */
export class RunTreeProvider implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private runs: RunItemNode[] | undefined;
  private readonly subnets = new Map<string, Promise<RunSubnets>>();
  private readonly groups = new Map<string, RunNode[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: RunSource,
    private readonly state: vscode.Memento,
    /** Told of every fresh list of runs (the commands' context keys follow it). */
    private readonly onRunsListed?: (runs: RunSummary[]) => void,
  ) {}

  get sortBy(): Metric {
    const v = this.state.get<string>(SORT_KEY);
    return isMetric(v) ? v : 'accuracy';
  }

  async setSortBy(by: Metric): Promise<void> {
    await this.state.update(SORT_KEY, by);
    this.groups.clear();
    this.changed.fire(undefined);
  }

  refresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.runs = undefined;
    this.subnets.clear();
    this.groups.clear();
    this.changed.fire(undefined);
    // Listed now even when the view is closed: the commands' context keys follow the runs.
    if (this.onRunsListed) void this.runNodes().catch(() => undefined);
  }

  /** A refresh at most every REFRESH_INTERVAL_MS: a steady stream of events still shows. */
  requestRefresh(): void {
    this.timer ??= setTimeout(() => this.refresh(), REFRESH_INTERVAL_MS);
  }

  /** Redraws the items of these runs (their live progress changed); no re-read of the folders. */
  refreshRuns(runIds: readonly string[]): void {
    for (const node of this.runs ?? []) if (runIds.includes(node.run.id)) this.changed.fire(node);
  }

  async allRuns(): Promise<RunSummary[]> {
    return (await this.runNodes()).map((n) => n.run);
  }

  /** The subnets of a run, front and all, read once per refresh. */
  runSubnets(run: RunSummary): Promise<RunSubnets> {
    let p = this.subnets.get(run.dir);
    if (!p) {
      p = readRunSubnets(run.dir);
      this.subnets.set(run.dir, p);
    }
    return p;
  }

  /** The tree node of a subnet, for `reveal` after a click on the Pareto chart. */
  async findSubnet(runId: string, key: string): Promise<SubnetNode | undefined> {
    const runNode = (await this.runNodes()).find((n) => n.run.id === runId);
    if (!runNode) return undefined;
    for (const group of ['front', 'all'] as const) {
      const nodes = await this.groupChildren({ type: 'group', parent: runNode, group });
      const hit = nodes.find((n): n is SubnetNode => n.type === 'subnet' && n.row.key === key);
      if (hit) return hit;
    }
    return undefined;
  }

  private async runNodes(): Promise<RunItemNode[]> {
    if (!this.runs) {
      const listed = await this.source.listRuns();
      const runs = listed ?? (await Promise.all(this.source.runsDirs().map(listRuns))).flat();
      this.runs = sortRuns(runs).map((run) => ({ type: 'run', run }));
      this.onRunsListed?.(runs);
    }
    return this.runs;
  }

  async getChildren(node?: RunNode): Promise<RunNode[]> {
    if (!node) return this.runNodes();
    if (node.type === 'run')
      return (['front', 'all'] as const).map((group) => ({ type: 'group', parent: node, group }));
    if (node.type === 'group') return this.groupChildren(node);
    return [];
  }

  private async groupChildren(node: RunNode & { type: 'group' }): Promise<RunNode[]> {
    const id = groupId(node);
    const cached = this.groups.get(id);
    if (cached) return cached;
    const run = node.parent.run;
    const s = await this.runSubnets(run);
    const rows = node.group === 'front' ? s.front : s.all;
    const children: RunNode[] = rows.length
      ? sortSubnets(rows, this.sortBy).map((row) => ({
          type: 'subnet',
          parent: node,
          run,
          row,
          exported: s.exported.has(row.key),
        }))
      : [
          {
            type: 'message',
            parent: node,
            text:
              node.group === 'front'
                ? 'No Pareto front yet: run Supernet: Search'
                : 'No candidates yet: run Supernet: Search',
          },
        ];
    this.groups.set(id, children);
    return children;
  }

  getParent(node: RunNode): RunNode | undefined {
    return node.type === 'run' ? undefined : node.parent;
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    switch (node.type) {
      case 'run': {
        const overlay = this.source.overlay(node.run.id);
        const status = effectiveStatus(node.run, overlay);
        const item = new vscode.TreeItem(node.run.id, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `run:${node.run.dir}`;
        item.description = runDescription(node.run, overlay);
        const icon = runIcon(status);
        item.iconPath = new vscode.ThemeIcon(
          icon.icon,
          icon.color ? new vscode.ThemeColor(icon.color) : undefined,
        );
        item.tooltip = [node.run.dir, node.run.configPath].filter(Boolean).join('\n');
        item.contextValue = `run.${status}`;
        return item;
      }
      case 'group': {
        const front = node.group === 'front';
        const item = new vscode.TreeItem(
          front ? 'Pareto front' : 'All candidates',
          front
            ? vscode.TreeItemCollapsibleState.Expanded
            : vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.id = groupId(node);
        item.iconPath = new vscode.ThemeIcon(front ? 'graph-scatter' : 'list-flat');
        item.description = `by ${this.sortBy}`;
        if (!front) item.description = `${node.parent.run.candidates} · by ${this.sortBy}`;
        item.contextValue = 'group';
        return item;
      }
      case 'subnet': {
        const item = new vscode.TreeItem(subnetLabel(node.row));
        item.id = `${groupId(node.parent)}:${node.row.key}`;
        item.tooltip = subnetTooltip(node.row);
        item.iconPath = new vscode.ThemeIcon(
          node.exported ? 'package' : node.row.onFront ? 'star-full' : 'circle-small',
        );
        if (node.parent.group === 'all' && node.row.onFront) item.description = 'front';
        item.contextValue = node.exported ? 'subnet.exported' : 'subnet';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.id = `${groupId(node.parent)}:message`;
        return item;
      }
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}

const groupId = (g: RunNode & { type: 'group' }): string => `group:${g.parent.run.dir}:${g.group}`;
