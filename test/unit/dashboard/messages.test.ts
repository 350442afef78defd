import test from 'node:test';
import assert from 'node:assert/strict';
import { emptyModel } from '#shared/charts/chartModel';
import { contentSecurityPolicy, dashboardHtml } from '../../../client/src/dashboard/dashboardHtml';
import { parseHostMessage, parsePanelState, parseWebviewMessage } from '#shared/dashboard/webview';

const problem = (x: unknown) => {
  const m = parseHostMessage(x);
  return 'problem' in m ? m.problem : undefined;
};

void test('messages from the webview: the known shapes pass, copied field by field', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'reveal', runId: 'r1', key: 'k', extra: 1 }), {
    type: 'reveal',
    runId: 'r1',
    key: 'k',
  });
  assert.deepEqual(parseWebviewMessage({ type: 'error', message: 'boom' }), {
    type: 'error',
    message: 'boom',
  });
  assert.deepEqual(
    parseWebviewMessage({ type: 'finetune', runId: 'r1', key: 'k', int8: true, command: 'x' }),
    { type: 'finetune', runId: 'r1', key: 'k', int8: true },
  );
});

void test('messages from the webview: wrong shapes are dropped with a reason', () => {
  for (const bad of [
    null,
    'reveal',
    [],
    { type: 42 },
    { type: 'reveal', runId: 'r1' },
    { type: 'reveal', runId: '', key: 'k' },
    { type: 'reveal', runId: 'r', key: { toString: 'x' } },
    { type: 'reveal', runId: 'r', key: 'k'.repeat(5000) },
    { type: 'error' },
    { type: 'runCommand', command: 'rm -rf' },
    { type: 'finetune', runId: 'r1', key: 'k' },
    { type: 'finetune', runId: 'r1', key: '', int8: false },
  ]) {
    const m = parseWebviewMessage(bad);
    assert.ok('error' in m, `accepted ${JSON.stringify(bad)}`);
  }
});

void test('messages from the extension are checked in the webview, chart models and all', () => {
  const run = { runId: 'r', runDir: '/x/r', label: 'r', model: emptyModel('r') };
  assert.equal(problem({ type: 'init', mode: 'run', runs: [run], smoothing: 0.6 }), undefined);
  assert.equal(problem({ type: 'events', runId: 'r', events: [] }), undefined);
  assert.equal(problem({ type: 'highlight', key: 'k' }), undefined);
  assert.equal(problem({ type: 'showTab', tab: 'ranking' }), undefined);
  const cases: [unknown, string][] = [
    [
      { type: 'init', mode: 'grid', runs: [run], smoothing: 0.6 },
      "message.mode must be one of 'run', 'compare'",
    ],
    [
      { type: 'init', mode: 'run', runs: [{ runId: 'r' }], smoothing: 0 },
      'message.runs[0].runDir is missing',
    ],
    [{ type: 'events', runId: 'r' }, 'message.events is missing'],
    [{ type: 'highlight' }, 'message.key is missing'],
    [
      { type: 'showTab', tab: 'everything' },
      "message.tab must be one of 'loss', 'gradients', 'pareto', 'ranking', 'finetune', 'compare'",
    ],
    // Deep inside a model: a step series that is not numbers.
    [
      {
        type: 'init',
        mode: 'run',
        runs: [{ ...run, model: { ...run.model, steps: { ...run.model.steps, lr: ['fast'] } } }],
        smoothing: 0,
      },
      'message.runs[0].model.steps.lr[0] must be a number',
    ],
  ];
  for (const [x, why] of cases) assert.equal(problem(x), why, JSON.stringify(x).slice(0, 80));
});

void test('restored panel state: runs to reopen, or nothing', () => {
  assert.deepEqual(parsePanelState({ mode: 'run', runDirs: ['/a'], tab: 'pareto' }), {
    mode: 'run',
    runDirs: ['/a'],
  });
  assert.deepEqual(parsePanelState({ mode: 'compare', runDirs: ['/a', '/b'] }), {
    mode: 'compare',
    runDirs: ['/a', '/b'],
  });
  assert.equal(parsePanelState(undefined), undefined);
  assert.equal(parsePanelState({ mode: 'run', runDirs: [] }), undefined);
  assert.equal(parsePanelState({ mode: 'run', runDirs: ['/a', '/b'] }), undefined);
  assert.equal(parsePanelState({ mode: 'run', runDirs: [7] }), undefined);
});

void test('the page: strict CSP with the nonce on its only script and stylesheet', () => {
  const html = dashboardHtml({
    cspSource: 'vscode-webview://abc',
    scriptUri: 'vscode-webview://abc/media/dist/dashboard.js',
    styleUri: 'vscode-webview://abc/media/dist/dashboard.css',
    nonce: 'N0nce',
    title: 'Run <1>',
  });
  const csp = contentSecurityPolicy('vscode-webview://abc', 'N0nce');
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /script-src 'nonce-N0nce'/);
  assert.doesNotMatch(csp, /unsafe/);
  assert.ok(html.includes(`content="${csp};"`));
  assert.match(
    html,
    /<script nonce="N0nce" src="vscode-webview:\/\/abc\/media\/dist\/dashboard.js">/,
  );
  assert.match(html, /<link rel="stylesheet" nonce="N0nce"/);
  assert.ok(html.includes('<title>Run &lt;1&gt;</title>'));
  assert.doesNotMatch(html, /https?:\/\//);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});
