import type { RunChartModel } from '../charts/chartModel';
import type { EngineEvent } from '../protocol/engine';
import {
  bool,
  list,
  literal,
  obj,
  oneOf,
  str,
  union,
  type Fields,
  type Infer,
} from '../schema/dsl';
import { isRecord, problemOf } from '../schema/validate';

/**
 * The messages between the dashboard panel (extension host) and its webview, declared
 * once. Each side checks what arrives: a webview is a page that could be made to post
 * anything (its messages and saved state are described in the schema language and checked
 * field by field), and the host's messages cross a serialisation boundary (checked for the
 * shape the page draws from; their chart models are built by the host itself).
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

/** Arch keys and run ids are short; anything longer is not one of ours. */
const MAX_ID = 1000;
const id = (doc: string) => str(doc, { minLength: 1, maxLength: MAX_ID });
const message = <T extends string, F extends Fields>(type: T, doc: string, fields: F) =>
  obj(doc, { type: literal(doc, type), ...fields });

/** Webview → extension: what the page may post (a page could be made to post anything). */
export const webviewMessageSchema = union('A message from the dashboard webview.', 'type', {
  ready: message('ready', 'The page is loaded and listens; send `init`.', {}),
  reveal: message(
    'reveal',
    'A Pareto or Ranking point was clicked; the tree reveals that subnet.',
    {
      runId: id('The run.'),
      key: id("The subnet's arch key."),
    },
  ),
  finetune: message(
    'finetune',
    "The Pareto tab's Fine-tune button on the marked subnet (`int8`: Fine-tune and export int8).",
    { runId: id('The run.'), key: id("The subnet's arch key."), int8: bool('Export int8 after.') },
  ),
  error: message('error', 'Something failed in the page; goes to the output channel.', {
    message: str('What failed (cut to 2000 characters).'),
  }),
});
export type WebviewMessage = Infer<typeof webviewMessageSchema>;
export type ReadyMessage = Extract<WebviewMessage, { type: 'ready' }>;
export type RevealMessage = Extract<WebviewMessage, { type: 'reveal' }>;
export type FinetuneMessage = Extract<WebviewMessage, { type: 'finetune' }>;
export type ErrorMessage = Extract<WebviewMessage, { type: 'error' }>;

/** What the webview saves with `setState`, so a reloaded window can reopen the panel. */
export const panelStateSchema = obj('The dashboard panel’s saved state.', {
  mode: oneOf('One run or a comparison.', { run: 'One run.', compare: 'Several runs.' }),
  runDirs: list('Its run folders.', str('A run folder.', { minLength: 1, maxLength: 4096 }), {
    minItems: 1,
  }),
});
export type PanelState = Infer<typeof panelStateSchema>;

/** Checks a message from the webview: the message (only its schema's fields), or why it was dropped. */
export function parseWebviewMessage(x: unknown): WebviewMessage | { error: string } {
  const problem = problemOf(webviewMessageSchema, x, 'webview message');
  if (problem) return { error: problem.slice(0, 200) };
  const m = x as WebviewMessage;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'reveal':
      return { type: 'reveal', runId: m.runId, key: m.key };
    case 'finetune':
      return { type: 'finetune', runId: m.runId, key: m.key, int8: m.int8 };
    case 'error':
      return { type: 'error', message: m.message.slice(0, 2000) };
  }
}

const isModel = (x: unknown): x is RunChartModel =>
  isRecord(x) &&
  typeof x.runId === 'string' &&
  isRecord(x.steps) &&
  Array.isArray(x.steps.step) &&
  isRecord(x.epochs) &&
  isRecord(x.sampler) &&
  isRecord(x.search) &&
  Array.isArray(x.search.candidates) &&
  isRecord(x.ranking) &&
  isRecord(x.ranking.series);

const isRun = (x: unknown): x is DashboardRun =>
  isRecord(x) &&
  typeof x.runId === 'string' &&
  typeof x.runDir === 'string' &&
  typeof x.label === 'string' &&
  isModel(x.model);

/** Checks a message from the extension, in the webview. Events are checked one by one later. */
export function isHostMessage(x: unknown): x is HostMessage {
  if (!isRecord(x)) return false;
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
  if (problemOf(panelStateSchema, x) !== undefined) return undefined;
  const p = x as PanelState;
  if (p.mode === 'run' && p.runDirs.length !== 1) return undefined;
  return { mode: p.mode, runDirs: p.runDirs.slice() };
}
