import * as vscode from 'vscode';
import type { LatestRanking } from '#shared/charts/latestRanking';
import type { RankedPoint, StabilityPoint } from '#shared/charts/rankingModel';
import { stabilityShort, stabilityWords } from '#shared/charts/stabilityWords';
import { isMetric, type Metric } from '#shared/metrics';
import type { RunSummary } from '#shared/runFolder/runSummary';
import { listRuns } from '#shared/runs/readRuns';
import { sortRuns } from '#shared/runs/summarise';
import { readRunSubnets, type RunSubnets } from './runFiles';
import { readRunRanking } from './runRanking';
import {
  rankedLabel,
  rankedTooltip,
  rankingGroupDescription,
  rankingTooltip,
  runRankingFlag,
  runRankingTooltip,
  sortRanked,
} from './rankingTreeModel';
import {
  effectiveStatus,
  runDescription,
  runIcon,
  sortSubnets,
  subnetLabel,
  subnetTooltip,
  type SubnetRow,
} from './runTreeModel';
import type { RunOverlay } from '../runs/runOverlay';

export type GroupKind = 'front' | 'all' | 'ranking';

export type RunNode =
  /** `ranking`: the run's latest ranking figures, when it has any. */
  | { type: 'run'; run: RunSummary; ranking?: LatestRanking; stability?: StabilityPoint }
  | { type: 'group'; parent: RunNode & { type: 'run' }; group: GroupKind }
  | {
      type: 'subnet';
      parent: RunNode & { type: 'group' };
      run: RunSummary;
      row: SubnetRow;
      exported: boolean;
    }
  | { type: 'ranked'; parent: RunNode & { type: 'group' }; run: RunSummary; point: RankedPoint }
  | { type: 'message'; parent: RunNode & { type: 'group' }; text: string };

export type SubnetNode = RunNode & { type: 'subnet' };
/** A node a click on a chart point reveals: a candidate, or a subnet of the latest ranking. */
export type RevealableNode = RunNode & { type: 'subnet' | 'ranked' };
export type RunItemNode = RunNode & { type: 'run' };

/** Where the provider gets what it shows; the extension passes the language server's view. */
export interface RunSource {
  /** The runs of every runs folder of the workspace; undefined when the server cannot answer. */
  listRuns(): Promise<RunSummary[] | undefined>;
  runsDirs(): string[];
  overlay(runId: string): RunOverlay | undefined;
  /**
   * Whether the workspace is trusted: until it is, nothing of its run folders is read (a
   * cloned repository's run folder may be built to hurt the reader), and the view says so.
   */
  trusted(): boolean;
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

  /**
   * The tree node of a subnet, for `reveal` after a click on the Pareto or Ranking chart:
   * among the candidates first (they carry every figure), else in the latest ranking.
   */
  async findSubnet(runId: string, key: string): Promise<RevealableNode | undefined> {
    const runNode = (await this.runNodes()).find((n) => n.run.id === runId);
    if (!runNode) return undefined;
    for (const group of ['front', 'all', 'ranking'] as const) {
      if (group === 'ranking' && !runNode.ranking) continue;
      const nodes = await this.groupChildren({ type: 'group', parent: runNode, group });
      const hit = nodes.find(
        (n): n is RevealableNode =>
          (n.type === 'subnet' && n.row.key === key) ||
          (n.type === 'ranked' && n.point.key === key),
      );
      if (hit) return hit;
    }
    return undefined;
  }

  private async runNodes(): Promise<RunItemNode[]> {
    if (!this.source.trusted()) return [];
    if (!this.runs) {
      const listed = await this.source.listRuns();
      const runs = listed ?? (await Promise.all(this.source.runsDirs().map(listRuns))).flat();
      // Read with the list: a run's line and tooltip carry its ranking warning.
      const rankings = await Promise.all(
        runs.map((r) => readRunRanking(r.dir).catch(() => undefined)),
      );
      const rankingOf = new Map(runs.map((r, i) => [r.dir, rankings[i]]));
      this.runs = sortRuns(runs).map((run) => {
        const { latest: ranking, stability } = rankingOf.get(run.dir) ?? {};
        return {
          type: 'run',
          run,
          ...(ranking ? { ranking } : {}),
          ...(stability ? { stability } : {}),
        };
      });
      this.onRunsListed?.(runs);
    }
    return this.runs;
  }

  async getChildren(node?: RunNode): Promise<RunNode[]> {
    if (!node) return this.runNodes();
    if (node.type === 'run') {
      const groups: GroupKind[] = node.ranking ? ['front', 'all', 'ranking'] : ['front', 'all'];
      return groups.map((group) => ({ type: 'group', parent: node, group }));
    }
    if (node.type === 'group') return this.groupChildren(node);
    return [];
  }

  private async groupChildren(node: RunNode & { type: 'group' }): Promise<RunNode[]> {
    const id = groupId(node);
    const cached = this.groups.get(id);
    if (cached) return cached;
    const run = node.parent.run;
    if (node.group === 'ranking') {
      const children: RunNode[] = sortRanked(node.parent.ranking?.points ?? []).map((point) => ({
        type: 'ranked',
        parent: node,
        run,
        point,
      }));
      this.groups.set(id, children);
      return children;
    }
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
      case 'run':
        return this.runItem(node);
      case 'group':
        return node.group === 'ranking' ? rankingGroupItem(node) : this.groupItem(node);
      case 'subnet': {
        const item = new vscode.TreeItem(subnetLabel(node.row));
        item.id = `${groupId(node.parent)}:${node.row.key}`;
        item.tooltip = subnetTooltip(node.row);
        item.iconPath = new vscode.ThemeIcon(
          node.exported
            ? 'package'
            : node.row.finetune
              ? 'mortar-board'
              : node.row.onFront
                ? 'star-full'
                : 'circle-small',
        );
        if (node.parent.group === 'all' && node.row.onFront) item.description = 'front';
        item.contextValue = node.exported ? 'subnet.exported' : 'subnet';
        return item;
      }
      case 'ranked': {
        const item = new vscode.TreeItem(rankedLabel(node.point));
        item.id = `${groupId(node.parent)}:${node.point.key}`;
        item.tooltip = rankedTooltip(node.point);
        item.iconPath = new vscode.ThemeIcon('circle-small');
        item.contextValue = 'ranked';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.id = `${groupId(node.parent)}:message`;
        return item;
      }
    }
  }

  private runItem(node: RunItemNode): vscode.TreeItem {
    const overlay = this.source.overlay(node.run.id);
    const status = effectiveStatus(node.run, overlay);
    const item = new vscode.TreeItem(node.run.id, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `run:${node.run.dir}`;
    // The warning first: a narrow sidebar cuts the end of the line off.
    const flag = runRankingFlag(node.ranking) ?? stabilityShort(node.stability);
    item.description = [flag, runDescription(node.run, overlay)].filter(Boolean).join(' · ');
    const icon = runIcon(status);
    item.iconPath = new vscode.ThemeIcon(
      icon.icon,
      icon.color ? new vscode.ThemeColor(icon.color) : undefined,
    );
    const lines = [node.run.dir, node.run.configPath].filter(Boolean);
    const warning = runRankingTooltip(node.ranking);
    if (warning) lines.push('', warning);
    const maturity = stabilityWords(node.stability);
    if (maturity) lines.push('', maturity);
    item.tooltip = lines.join('\n');
    item.contextValue = `run.${status}`;
    return item;
  }

  private groupItem(node: RunNode & { type: 'group' }): vscode.TreeItem {
    const front = node.group === 'front';
    const item = new vscode.TreeItem(
      front ? 'Pareto front' : 'All candidates',
      front ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = groupId(node);
    item.iconPath = new vscode.ThemeIcon(front ? 'graph-scatter' : 'list-flat');
    item.description = `by ${this.sortBy}`;
    if (!front) item.description = `${node.parent.run.candidates} · by ${this.sortBy}`;
    item.contextValue = 'group';
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}

const groupId = (g: RunNode & { type: 'group' }): string => `group:${g.parent.run.dir}:${g.group}`;

/** The run's latest ranking: its figures, a warning icon when τ is not above FLOPs'. */
function rankingGroupItem(node: RunNode & { type: 'group' }): vscode.TreeItem {
  const ranking = node.parent.ranking;
  const item = new vscode.TreeItem('Ranking', vscode.TreeItemCollapsibleState.Collapsed);
  item.id = groupId(node);
  item.contextValue = 'group.ranking';
  if (!ranking) return item;
  const warned = runRankingFlag(ranking) !== undefined;
  item.description = rankingGroupDescription(ranking);
  item.tooltip = rankingTooltip(ranking);
  item.iconPath = warned
    ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
    : new vscode.ThemeIcon('list-ordered');
  // A click opens the Ranking tab, where the figures are charted.
  item.command = {
    title: 'Open Ranking',
    command: 'supernet.openDashboard',
    arguments: [node.parent.run.id, { tab: 'ranking' }],
  };
  return item;
}
