// Runs the end-to-end suite (a real VS Code: code-server driven by Chromium) as part of
// `npm test`. It needs the tools scripts/install-e2e.sh installs; CI installs them, so
// there their absence is a failure, while a developer without them gets a skip that says
// how to get them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const TOOLS = process.env.SUPERNET_E2E_TOOLS ?? path.join(ROOT, '.e2e-tools');
const CODE_SERVER = path.join(TOOLS, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const installed = existsSync(CODE_SERVER) && existsSync('/usr/bin/chromium');

void test(
  'end to end in a real VS Code: language features, train, dashboard, search, tree, export, ranking',
  { skip: !installed && !process.env.CI ? 'run scripts/install-e2e.sh to include it' : false },
  () => {
    assert.ok(installed, `the e2e tools are missing (${CODE_SERVER}): run scripts/install-e2e.sh`);
    const env = { ...process.env };
    // The runner stands down inside node --test; this is the one place that means it.
    for (const k of Object.keys(env)) if (k.startsWith('NODE_TEST')) delete env[k];
    const r = spawnSync(process.execPath, [path.join(ROOT, 'out', 'test', 'e2e', 'run.js')], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 9 * 60_000,
    });
    const report = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, `the e2e suite failed:\n${report.slice(-6000)}`);
    // Every scenario ran: run.ts gives each what it needs, so a skip is a fault here too.
    assert.match(r.stdout, /\d+ passed, 0 skipped, 0 failed/, report.slice(-6000));
  },
);
