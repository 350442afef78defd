// The same end-to-end suite (test/e2e/suite) in VS Code desktop, through @vscode/test-electron,
// for machines that can download VS Code (this project's CI machines cannot: they run the
// suite in code-server, run.ts). On Linux without a display, run it under xvfb-run.
//
//   npm run build && npx tsc -b
//   npm run test:electron                       # xvfb-run -a npm run test:electron on a server
//   SUPERNET_E2E_VSCODE_VERSION=1.100.3 npm run test:electron
//
// The repository is the extension under development; the ranking run is trained first as
// run.ts trains it. Screenshot requests have no runner here, so the two screenshot-only
// scenarios are reported as skipped; everything else is the suite code-server runs.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { makeFolders, testEnv } from './folders';
import {
  copyRankingConfig,
  RANKING_ERROR_ENV,
  RANKING_RUN_ENV,
  trainRankingRun,
} from './rankingRun';
import { SCREENSHOT_DIR_ENV } from './screenshotRequests';

const ROOT = path.resolve(__dirname, '../../..');
const SUITE = path.join(ROOT, 'out', 'test', 'e2e', 'suite', 'index.js');
const RESULTS = path.join(ROOT, 'test-results', 'e2e-electron');

async function main(): Promise<number> {
  await fs.mkdir(RESULTS, { recursive: true });
  const f = await makeFolders();
  const env = testEnv(f);
  delete env[SCREENSHOT_DIR_ENV];
  const ranking = trainRankingRun({
    root: ROOT,
    config: await copyRankingConfig(ROOT, f.workspace),
    runsDir: path.join(f.workspace, '.supernet', 'runs'),
    env,
    logFile: path.join(RESULTS, 'ranking-train.log'),
    timeoutMs: 180_000,
  });
  try {
    try {
      env[RANKING_RUN_ENV] = await ranking.done;
    } catch (e) {
      env[RANKING_ERROR_ENV] = (e as Error).message;
    }
    return await runTests({
      version: process.env.SUPERNET_E2E_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: SUITE,
      extensionTestsEnv: env,
      launchArgs: [
        f.workspace,
        '--user-data-dir',
        f.userData,
        '--extensions-dir',
        f.extensions,
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-gpu',
      ],
    });
  } catch (e) {
    console.error(`test:electron: ${(e as Error).message}`);
    return 1;
  } finally {
    await ranking.stop();
    await fs.rm(f.root, { recursive: true, force: true, maxRetries: 3 });
  }
}

// `npm test` (node --test out/test/) loads this file too: it must do nothing there.
if (require.main === module && !process.env.NODE_TEST_CONTEXT) {
  void main().then((code) => process.exit(code));
}
