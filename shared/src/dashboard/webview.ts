import { runChartModelSchema } from '../charts/chartModel';
import {
  bool,
  list,
  literal,
  num,
  obj,
  oneOf,
  opaque,
  optional,
  str,
  union,
  type Fields,
  type Infer,
} from '../schema/dsl';
import { problemOf } from '../schema/validate';

/**
 * The messages between the dashboard panel (extension host) and its webview, declared
 * once. Each side checks what arrives: a webview is a page that could be made to post
 * anything (its messages and saved state are described in the schema language and checked
 * field by field), and the host's messages cross a serialisation boundary (checked in
 * the page, chart models and all, against the same schema language).
 */

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
const TAB_DOCS = {
  loss: 'Loss curves.',
  gradients: 'Gradient variance.',
  pareto: 'The Pareto front.',
  ranking: 'How the supernet ranks subnets.',
  finetune: 'Fine-tunes.',
  compare: 'Several runs compared.',
} satisfies Record<DashboardTab, string>;

/** Arch keys and run ids are short; anything longer is not one of ours. */
const MAX_ID = 1000;
const id = (doc: string) => str(doc, { minLength: 1, maxLength: MAX_ID });
const message = <T extends string, F extends Fields>(type: T, doc: string, fields: F) =>
  obj(doc, { type: literal(doc, type), ...fields });

/** One run as a dashboard shows it. */
export const dashboardRunSchema = obj('A run of the dashboard.', {
  runId: str('The run.'),
  runDir: str('Its folder.'),
  label: str('Short name for legends: the run id, or the config name in compare mode.'),
  model: runChartModelSchema,
});
export type DashboardRun = Infer<typeof dashboardRunSchema>;

export type DashboardMode = 'run' | 'compare';

/**
 * Extension → webview, checked on arrival like everything that crosses a serialisation
 * boundary: the page draws from these fields alone. A message's events are checked one by
 * one as they are appended (`appendEvents`): one bad event is dropped, not the message.
 */
export const hostMessageSchema = union('A message from the extension.', 'type', {
  init: message('init', 'Everything to draw, after the webview said it is ready.', {
    mode: oneOf('One run or a comparison.', { run: 'One run.', compare: 'Several runs.' }),
    runs: list('The runs.', dashboardRunSchema),
    smoothing: num(
      'Initial smoothing weight of the loss curves (setting `supernet.chartSmoothing`).',
    ),
    focusKey: optional(str('A subnet to mark in the Pareto chart and switch to.')),
    tab: optional(oneOf('The tab to open on.', TAB_DOCS)),
  }),
  events: message('events', 'Live events of a run, to append.', {
    runId: str('The run.'),
    events: list('Its new events, each checked when appended.', opaque('An event.')),
  }),
  highlight: message('highlight', 'Mark a subnet in the Pareto chart (tree selection).', {
    key: str("The subnet's arch key."),
  }),
  showTab: message('showTab', 'Switch to a tab (a command named one).', {
    tab: oneOf('The tab.', TAB_DOCS),
  }),
});
export type HostMessage = Infer<typeof hostMessageSchema>;
export type InitMessage = Extract<HostMessage, { type: 'init' }>;
export type EventsMessage = Extract<HostMessage, { type: 'events' }>;
export type HighlightMessage = Extract<HostMessage, { type: 'highlight' }>;
export type ShowTabMessage = Extract<HostMessage, { type: 'showTab' }>;

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

/** A message from the extension, every field checked, or the problem with it (in the webview). */
export function parseHostMessage(x: unknown): HostMessage | { problem: string } {
  const problem = problemOf(hostMessageSchema, x, 'message');
  return problem === undefined ? (x as HostMessage) : { problem };
}

/** Checks the state VS Code hands back when it restores a panel after a reload. */
export function parsePanelState(x: unknown): PanelState | undefined {
  if (problemOf(panelStateSchema, x) !== undefined) return undefined;
  const p = x as PanelState;
  if (p.mode === 'run' && p.runDirs.length !== 1) return undefined;
  return { mode: p.mode, runDirs: p.runDirs.slice() };
}
