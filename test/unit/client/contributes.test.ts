import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Commands } from '../../../server/src/language/codeLens';
import { EVENT_CONTEXT_KEYS, runContextKeys } from '../../../client/src/contextKeys';

const root = path.resolve(__dirname, '../../../..');
interface Contributes {
  commands: { command: string; category?: string }[];
  menus: Record<string, { command: string }[]>;
  views: Record<string, { id: string }[]>;
  viewsContainers: { activitybar: { id: string; icon: string }[] };
  configuration: { properties: Record<string, { enum?: string[]; default?: unknown }> };
  walkthroughs: { steps: { media: { markdown: string }; completionEvents: string[] }[] }[];
}
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: Contributes;
  capabilities: { untrustedWorkspaces: { supported: unknown } };
};
const c = pkg.contributes;
const declared = new Set(c.commands.map((x) => x.command));

void test('the palette has every run command in the Supernet category', () => {
  for (const id of [
    'supernet.newConfig',
    'supernet.train',
    'supernet.search',
    'supernet.stop',
    'supernet.resume',
    'supernet.openDashboard',
    'supernet.exportSubnet',
    'supernet.compareRuns',
  ])
    assert.equal(c.commands.find((x) => x.command === id)?.category, 'Supernet', id);
});

void test("the code lens's Train and Search name declared commands", () => {
  assert.ok(declared.has(Commands.train));
  assert.ok(declared.has(Commands.search));
});

void test('every menu entry names a declared command', () => {
  for (const [menu, entries] of Object.entries(c.menus))
    for (const e of entries) assert.ok(declared.has(e.command), `${menu}: ${e.command}`);
});

void test('the Runs view sits in its own activity bar container', () => {
  const [container] = c.viewsContainers.activitybar;
  assert.ok(existsSync(path.join(root, container.icon)));
  assert.deepEqual(
    c.views[container.id].map((v) => v.id),
    ['supernet.runs'],
  );
});

void test('settings: the new ones, and the ones that were there', () => {
  const p = c.configuration.properties;
  assert.deepEqual(p['supernet.defaultBackend'].enum, [
    'auto',
    'tensorflow-gpu',
    'tensorflow',
    'wasm',
    'cpu',
    'pytorch',
  ]);
  assert.equal(p['supernet.runsFolder'].default, '.supernet/runs');
  for (const k of [
    'supernet.maxEngineThreads',
    'supernet.chartSmoothing',
    'supernet.memoryLimitGiB',
  ])
    assert.ok(p[k], k);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
});

void test('every walkthrough step has its markdown and completes on a declared command', () => {
  for (const step of c.walkthroughs[0].steps) {
    assert.ok(existsSync(path.join(root, step.media.markdown)), step.media.markdown);
    for (const ev of step.completionEvents.filter((e) => e.startsWith('onCommand:')))
      assert.ok(declared.has(ev.replace(/^onCommand:/, '')), ev);
  }
});

/** Every context key the client sets: from the list of runs, and from events. */
const setKeys = new Set<string>([...Object.keys(runContextKeys([])), ...EVENT_CONTEXT_KEYS]);
const keysIn = (expr: string): string[] => expr.match(/supernet\.[A-Za-z]+/g) ?? [];

void test('the manifest has what a marketplace reviewer expects', () => {
  const m = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  for (const k of [
    'repository',
    'bugs',
    'homepage',
    'icon',
    'keywords',
    'galleryBanner',
    'license',
  ])
    assert.ok(m[k], `package.json lacks ${k}`);
  // A 128×128 PNG: the signature, then the IHDR width and height.
  const png = readFileSync(path.join(root, m.icon as string));
  assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
  assert.ok((m.activationEvents as string[]).includes('workspaceContains:**/*.supernet.yml'));
});

void test('commands that need a run or a job are hidden and disabled without one', () => {
  const needs = [
    'supernet.stop',
    'supernet.resume',
    'supernet.exportSubnet',
    'supernet.compareRuns',
    'supernet.checkRanking',
  ];
  const palette = c.menus.commandPalette as { command: string; when?: string }[];
  for (const id of needs) {
    const when = palette.find((e) => e.command === id)?.when ?? '';
    const cmd = c.commands.find((x) => x.command === id) as { enablement?: string } | undefined;
    assert.ok(keysIn(when).length > 0, `${id} is always in the palette`);
    assert.equal(cmd?.enablement, when, `${id}: enablement and palette agree`);
    for (const k of keysIn(when)) assert.ok(setKeys.has(k), `${id}: nothing sets ${k}`);
  }
  const keys = runContextKeys([
    {
      id: 'a',
      dir: '/r/a',
      configPath: '',
      status: 'cancelled',
      step: 5,
      candidates: 2,
      hasPareto: true,
      exports: 1,
    },
  ]);
  assert.deepEqual(keys, {
    'supernet.hasRuns': true,
    'supernet.hasTrainedRuns': true,
    'supernet.hasResumableRuns': true,
    'supernet.hasEvaluatedSubnets': true,
    'supernet.canCompareRuns': false,
    'supernet.hasExports': true,
  });
  assert.ok(Object.values(runContextKeys([])).every((v) => v === false));
});

void test('machine-bound settings are machine-scoped; the runs folder is restricted when untrusted', () => {
  const p = c.configuration.properties as Record<string, { scope?: string; minimum?: number }>;
  for (const k of ['supernet.maxEngineThreads', 'supernet.memoryLimitGiB']) {
    assert.equal(p[k].scope, 'machine', k);
    assert.ok((p[k].minimum ?? 0) > 0, `${k} has a minimum`);
  }
  const caps = pkg.capabilities.untrustedWorkspaces as { restrictedConfigurations?: string[] };
  assert.ok(caps.restrictedConfigurations?.includes('supernet.runsFolder'));
  // A workspace must not switch on a trace that logs every message (queue URLs among them).
  assert.ok(caps.restrictedConfigurations?.includes('supernet.trace.server'));
  // An untrusted workspace's Runs view says why it is empty.
  const welcome = (
    c as unknown as { viewsWelcome: { view: string; when?: string; contents: string }[] }
  ).viewsWelcome;
  assert.match(
    welcome.find((w) => w.view === 'supernet.runs' && w.when === '!isWorkspaceTrusted')?.contents ??
      '',
    /not read in a workspace you have not trusted/,
  );
});

void test('every walkthrough step ticks off on its command and on a key the client sets', () => {
  for (const step of c.walkthroughs[0].steps) {
    assert.ok(step.completionEvents.some((e) => e.startsWith('onCommand:supernet.')));
    const onContext = step.completionEvents.filter((e) => e.startsWith('onContext:'));
    assert.ok(onContext.length > 0);
    for (const e of onContext) for (const k of keysIn(e)) assert.ok(setKeys.has(k), k);
  }
});
