import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { appendEvents } from '#shared/charts/chartModel';
import { parseHostMessage, type DashboardTab, type InitMessage } from '#shared/dashboard/webview';
import { CompareView } from './compareView';
import { FinetuneView } from './finetuneView';
import { GradientView } from './gradientView';
import { LossView } from './lossView';
import { ParetoView } from './paretoView';
import { RankingView } from './rankingView';
import { readTheme } from './theme';
import { el, type View, type ViewContext } from './view';
import { vscode } from './vscodeApi';

/**
 * The dashboard page: asks the extension for its runs, draws them in tabs, and appends
 * live events. Redraws are batched to one per animation frame, however fast events come.
 */

type TabId = DashboardTab;
const TAB_LABELS: Record<TabId, string> = {
  loss: 'Loss',
  gradients: 'Gradient variance',
  pareto: 'Pareto',
  ranking: 'Ranking',
  finetune: 'Fine-tune',
  compare: 'Compare',
};

interface SavedState {
  mode: InitMessage['mode'];
  runDirs: string[];
  tab?: TabId;
  smoothing?: number;
}

const app = document.getElementById('app') as HTMLElement;
const saved = (vscode.getState() ?? undefined) as SavedState | undefined;
const ctx: ViewContext = {
  theme: readTheme(),
  smoothing: 0.6,
  highlightKey: undefined,
  post: (m) => vscode.postMessage(m),
};
let init: InitMessage | undefined;
let views: Partial<Record<TabId, View>> = {};
let active: TabId = 'loss';
let tabButtons: Partial<Record<TabId, HTMLButtonElement>> = {};
let frame: number | undefined;

function saveState(): void {
  if (!init) return;
  const state: SavedState = {
    mode: init.mode,
    runDirs: init.runs.map((r) => r.runDir),
    tab: active,
    smoothing: ctx.smoothing,
  };
  vscode.setState(state);
}

/** Only the visible tab redraws: hidden charts have no width, and cost time for nothing. */
function scheduleRedraw(): void {
  if (frame !== undefined) return;
  frame = requestAnimationFrame(() => {
    frame = undefined;
    try {
      views[active]?.update();
      markCounts();
    } catch (e) {
      ctx.post({ type: 'error', message: `Chart update failed: ${String(e)}` });
    }
  });
}

/**
 * What each tab holds, as attributes (`data-panel`, `data-points`, `data-candidates`):
 * for people reading the DOM with tools, and for the end-to-end test's screenshots.
 */
function markCounts(): void {
  const model = init?.runs[0]?.model;
  for (const [id, view] of Object.entries(views)) {
    view.element.dataset.panel = id;
    if (!model) continue;
    view.element.dataset.points = String(model.steps.step.length);
    view.element.dataset.candidates = String(model.search.candidates.length);
    view.element.dataset.finetuned = String(
      Object.values(model.finetune?.byKey ?? {}).filter((c) => c.result).length,
    );
  }
}

function showTab(tab: TabId): void {
  active = tab;
  for (const [id, view] of Object.entries(views)) view.element.hidden = id !== tab;
  for (const [id, button] of Object.entries(tabButtons))
    button.setAttribute('aria-selected', String(id === tab));
  saveState();
  scheduleRedraw();
}

function smoothingControl(): HTMLElement {
  const label = el('label', 'smoothing', 'Smoothing ');
  const slider = el('input');
  slider.type = 'range';
  slider.min = '0';
  slider.max = '0.99';
  slider.step = '0.01';
  slider.value = String(ctx.smoothing);
  const value = el('span', 'value', ctx.smoothing.toFixed(2));
  slider.addEventListener('input', () => {
    ctx.smoothing = Number(slider.value);
    value.textContent = ctx.smoothing.toFixed(2);
    saveState();
    scheduleRedraw();
  });
  label.append(slider, value);
  return label;
}

function build(message: InitMessage): void {
  init = message;
  ctx.smoothing = saved?.smoothing ?? message.smoothing;
  ctx.highlightKey = message.focusKey;
  const run = message.runs[0];
  if (message.mode === 'compare' || !run) {
    views = { compare: new CompareView(message.runs, ctx) };
  } else {
    views = {
      loss: new LossView(run, ctx),
      gradients: new GradientView(run, ctx),
      pareto: new ParetoView(run, ctx),
      ranking: new RankingView(run, ctx),
      finetune: new FinetuneView(run, ctx),
    };
  }
  const tabs = el('nav', 'tabs');
  tabs.setAttribute('role', 'tablist');
  tabButtons = {};
  for (const id of Object.keys(views) as TabId[]) {
    const b = el('button', 'tab', TAB_LABELS[id]);
    b.setAttribute('role', 'tab');
    b.addEventListener('click', () => showTab(id));
    tabButtons[id] = b;
    tabs.append(b);
  }
  const toolbar = el('header', 'toolbar');
  const title =
    message.mode === 'compare'
      ? `Comparing ${message.runs.map((r) => r.label).join(', ')}`
      : (run?.label ?? '');
  toolbar.append(tabs, el('span', 'title', title), smoothingControl());
  const body = el('main');
  for (const v of Object.values(views)) body.append(v.element);
  app.replaceChildren(toolbar, body);

  const hasSteps = (run?.model.steps.step.length ?? 0) > 0;
  const hasCandidates = (run?.model.search.candidates.length ?? 0) > 0;
  const initial: TabId =
    message.mode === 'compare'
      ? 'compare'
      : message.tab && message.tab in views
        ? message.tab
        : message.focusKey || (!hasSteps && hasCandidates)
          ? 'pareto'
          : saved?.tab && saved.tab in views
            ? saved.tab
            : 'loss';
  showTab(initial);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = parseHostMessage(event.data);
  if ('problem' in m) {
    ctx.post({
      type: 'error',
      message: `dropped a malformed message from the extension: ${m.problem}`,
    });
    return;
  }
  switch (m.type) {
    case 'init':
      build(m);
      break;
    case 'events': {
      const run = init?.runs.find((r) => r.runId === m.runId);
      if (!run) return;
      appendEvents(run.model, m.events);
      scheduleRedraw();
      break;
    }
    case 'showTab':
      if (m.tab in views) showTab(m.tab);
      break;
    case 'highlight':
      ctx.highlightKey = m.key;
      if (views.pareto) showTab('pareto');
      (views.pareto as ParetoView | undefined)?.highlight();
      break;
  }
});

// VS Code swaps the body's theme class; canvas colours must be read again.
new MutationObserver(() => {
  ctx.theme = readTheme();
  for (const v of Object.values(views)) v.setTheme(ctx.theme);
  scheduleRedraw();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

window.addEventListener('error', (e) => ctx.post({ type: 'error', message: String(e.message) }));
vscode.postMessage({ type: 'ready' });
