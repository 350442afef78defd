import type { RunChartModel } from '../charts/chartModel';
import type { EngineEvent } from './engine';

/**
 * The messages between the dashboard panel (extension host) and its webview, declared
 * once. Each side checks what arrives: a webview is a page that could be made to post
 * anything, and the host's messages cross a serialisation boundary.
 */

/** One run as a dashboard shows it. */
export interface DashboardRun {
  runId: string;
  runDir: string;
  /** Short name for legends: the run id, or the config name in compare mode. */
  label: string;
  model: RunChartModel;
}

export type DashboardMode = 'run' | 'compare';

/** Extension → webview: everything to draw, after the webview said it is ready. */
export interface InitMessage {
  type: 'init';
  mode: DashboardMode;
  runs: DashboardRun[];
  /** Initial smoothing weight of the loss curves (setting `supernet.chartSmoothing`). */
  smoothing: number;
  /** A subnet to mark in the Pareto chart and switch to. */
  focusKey?: string;
  /** The tab to open on. */
  tab?: DashboardTab;
}

/** The dashboard's tabs: one run's four views, or the comparison of several runs. */
export const DASHBOARD_TABS = [
  'loss',
  'gradients',
  'pareto',
  'ranking',
  'finetune',
  'compare',
] as const;
export type DashboardTab = (typeof DASHBOARD_TABS)[number];
export const isDashboardTab = (x: unknown): x is DashboardTab =>
  DASHBOARD_TABS.includes(x as DashboardTab);

/** Extension → webview: switch to a tab (a command named one). */
export interface ShowTabMessage {
  type: 'showTab';
  tab: DashboardTab;
}

/** Extension → webview: live events of a run, to append. */
export interface EventsMessage {
  type: 'events';
  runId: string;
  events: EngineEvent[];
}

/** Extension → webview: mark a subnet in the Pareto chart (tree selection). */
export interface HighlightMessage {
  type: 'highlight';
  key: string;
}

export type HostMessage = InitMessage | EventsMessage | HighlightMessage | ShowTabMessage;

/** Webview → extension: the page is loaded and listens; send `init`. */
export interface ReadyMessage {
  type: 'ready';
}

/** Webview → extension: a Pareto or Ranking point was clicked; the tree reveals that subnet. */
export interface RevealMessage {
  type: 'reveal';
  runId: string;
  key: string;
}

/**
 * Webview → extension: the Pareto tab's Fine-tune button on the marked subnet (`int8`:
 * "Fine-tune and export int8").
 */
export interface FinetuneMessage {
  type: 'finetune';
  runId: string;
  key: string;
  int8: boolean;
}

/** Webview → extension: something failed in the page; goes to the output channel. */
export interface ErrorMessage {
  type: 'error';
  message: string;
}

export type WebviewMessage = ReadyMessage | RevealMessage | FinetuneMessage | ErrorMessage;

/** What the webview saves with `setState`, so a reloaded window can reopen the panel. */
export interface PanelState {
  mode: DashboardMode;
  runDirs: string[];
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isText = (x: unknown, max: number): x is string =>
  typeof x === 'string' && x.length > 0 && x.length <= max;

/** Arch keys and run ids are short; anything longer is not one of ours. */
const MAX_ID = 1000;

/** Checks a message from the webview: the message, or why it was dropped. */
export function parseWebviewMessage(x: unknown): WebviewMessage | { error: string } {
  if (!isObj(x) || typeof x.type !== 'string')
    return { error: 'a webview message must be an object with a string `type`' };
  switch (x.type) {
    case 'ready':
      return { type: 'ready' };
    case 'reveal':
      if (!isText(x.runId, MAX_ID) || !isText(x.key, MAX_ID))
        return { error: 'reveal needs non-empty `runId` and `key` strings' };
      return { type: 'reveal', runId: x.runId, key: x.key };
    case 'finetune':
      if (!isText(x.runId, MAX_ID) || !isText(x.key, MAX_ID) || typeof x.int8 !== 'boolean')
        return { error: 'finetune needs non-empty `runId` and `key` strings and an `int8` flag' };
      return { type: 'finetune', runId: x.runId, key: x.key, int8: x.int8 };
    case 'error':
      if (typeof x.message !== 'string') return { error: 'error needs a `message` string' };
      return { type: 'error', message: x.message.slice(0, 2000) };
    default:
      return { error: `unknown webview message type '${x.type.slice(0, 40)}'` };
  }
}

const isModel = (x: unknown): x is RunChartModel =>
  isObj(x) &&
  typeof x.runId === 'string' &&
  isObj(x.steps) &&
  Array.isArray(x.steps.step) &&
  isObj(x.epochs) &&
  isObj(x.sampler) &&
  isObj(x.search) &&
  Array.isArray(x.search.candidates) &&
  isObj(x.ranking) &&
  isObj(x.ranking.series);

const isRun = (x: unknown): x is DashboardRun =>
  isObj(x) &&
  typeof x.runId === 'string' &&
  typeof x.runDir === 'string' &&
  typeof x.label === 'string' &&
  isModel(x.model);

/** Checks a message from the extension, in the webview. Events are checked one by one later. */
export function isHostMessage(x: unknown): x is HostMessage {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'init':
      return (
        (x.mode === 'run' || x.mode === 'compare') &&
        Array.isArray(x.runs) &&
        x.runs.every(isRun) &&
        typeof x.smoothing === 'number' &&
        (x.focusKey === undefined || typeof x.focusKey === 'string') &&
        (x.tab === undefined || isDashboardTab(x.tab))
      );
    case 'showTab':
      return isDashboardTab(x.tab);
    case 'events':
      return typeof x.runId === 'string' && Array.isArray(x.events);
    case 'highlight':
      return typeof x.key === 'string';
    default:
      return false;
  }
}

/** Checks the state VS Code hands back when it restores a panel after a reload. */
export function parsePanelState(x: unknown): PanelState | undefined {
  if (!isObj(x) || (x.mode !== 'run' && x.mode !== 'compare')) return undefined;
  if (!Array.isArray(x.runDirs) || x.runDirs.length === 0) return undefined;
  if (!x.runDirs.every((d) => isText(d, 4096))) return undefined;
  if (x.mode === 'run' && x.runDirs.length !== 1) return undefined;
  return { mode: x.mode, runDirs: x.runDirs.slice() };
}
