import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Commands } from '../../../server/src/language/codeLens';

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
    for (const ev of step.completionEvents)
      assert.ok(declared.has(ev.replace(/^onCommand:/, '')), ev);
  }
});
