// End-to-end runner: the suite in test/e2e/suite runs inside a real VS Code (code-server,
// driven by Debian's Chromium) with this repository as the extension under development.
//
//   scripts/install-e2e.sh            # once per machine: chromium, code-server, playwright-core
//   npm run build && npx tsc -b       # dist/ (the extension) and out/ (this runner, the suite)
//   npm run test:e2e                  # node out/test/e2e/run.js
//
// Exits with the suite's code (0: all passed). Screenshots, code-server's output and the
// workbench's logs land in test-results/e2e/. Everything it starts is stopped by process id,
// and its temporary folders are removed.
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { launchBrowser, type BrowserContext, type Page } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import {
  doneFile,
  pendingRequests,
  requestFile,
  writeAtomically,
  type ScreenshotRequest,
  type ScreenshotResult,
} from './screenshotRequests';
import {
  copyRankingConfig,
  RANKING_ERROR_ENV,
  RANKING_RUN_ENV,
  trainRankingRun,
  type RankingTraining,
} from './rankingRun';
import { waitFor, withTimeout } from './wait';
import { ensureVsix } from '../package/vsix';
import { makeFolders, testEnv, writeDeviceTable, type Folders } from './folders';

const ROOT = path.resolve(__dirname, '../../..');
const TOOLS = process.env.SUPERNET_E2E_TOOLS ?? path.join(ROOT, '.e2e-tools');
const CHROMIUM = process.env.SUPERNET_E2E_CHROMIUM ?? '/usr/bin/chromium';
const CODE_SERVER = path.join(TOOLS, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const SUITE = path.join(ROOT, 'out', 'test', 'e2e', 'suite', 'index.js');
const DRIVER = path.join(ROOT, 'test', 'e2e', 'driver');
const RESULTS = path.join(ROOT, 'test-results', 'e2e');
/**
 * `package` (the default, and what CI runs): the linux .vsix a user installs, installed into
 * the test's fresh extensions folder. `dev`: this repository as the extension under
 * development (faster to iterate: no packaging).
 */
const MODE = process.env.SUPERNET_E2E_MODE === 'dev' ? 'dev' : 'package';
/** The ranking run's training (rankingRun.ts), started with the packaging. */
const RANKING_TIMEOUT_MS = 180_000;
/** From the page's first load to the suite's exit code. */
const SUITE_TIMEOUT_MS = Number(process.env.SUPERNET_E2E_TIMEOUT_MS ?? 360_000);

/** Lines of the suite's report (suite/runner.ts) among the workbench's log messages. */
const SUITE_REPORT =
  /^(1\.\.\d+$|ok \d+ - |not ok \d+ - | {2}# |\d+ passed, \d+ skipped, \d+ failed$)/;

const started = Date.now();
const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const say = (line: string) => console.log(`e2e: ${line}`);

/** What must exist before anything starts; each missing piece says how to get it. */
function missingPrerequisites(): string[] {
  const needs: [string, string][] = [
    [CODE_SERVER, 'run scripts/install-e2e.sh'],
    [CHROMIUM, 'run scripts/install-e2e.sh'],
    [path.join(ROOT, 'dist', 'client.js'), 'run npm run build'],
    [path.join(ROOT, 'dist', 'server.js'), 'run npm run build'],
    [path.join(ROOT, 'dist', 'cli.js'), 'run npm run build'],
    [path.join(ROOT, 'dist', 'engine.js'), 'run npm run build'],
    [SUITE, 'run npx tsc -b'],
  ];
  return needs.filter(([p]) => !existsSync(p)).map(([p, fix]) => `${p} is missing: ${fix}`);
}

/**
 * The page URL that runs the suite: with the repository as the extension under development
 * (dev mode), or with the installed package only (package mode).
 */
function payloadUrl(server: CodeServer, workspace: string): string {
  const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    // VS Code runs the tests only for an extension under development: in package mode an
    // empty one, so that the extension tested is the installed package.
    ['extensionDevelopmentPath', remote(MODE === 'dev' ? ROOT : DRIVER)],
    ['extensionTestsPath', remote(SUITE)],
  ];
  return `${server.origin}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** `code-server --install-extension`, into the test's own extensions folder. */
function installExtension(vsix: string, f: Folders, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(
    process.execPath,
    [
      CODE_SERVER,
      '--user-data-dir',
      f.userData,
      '--extensions-dir',
      f.extensions,
      '--install-extension',
      vsix,
    ],
    { env, encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`installing ${vsix} failed:\n${r.stdout}\n${r.stderr}`);
}

/** Logs the workbench hands over with the exit code; saved under test-results/e2e/logs. */
async function saveLogs(logs: unknown): Promise<void> {
  if (!Array.isArray(logs)) return;
  for (const log of logs as { relativePath?: unknown; contents?: unknown }[]) {
    if (typeof log.relativePath !== 'string' || typeof log.contents !== 'string') continue;
    const rel = path.normalize(log.relativePath).replace(/^(\.\.[/\\])+/, '');
    if (path.isAbsolute(rel)) continue;
    const file = path.join(RESULTS, 'logs', rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, log.contents);
  }
}

/**
 * Waits until `selector` is visible in the page or, prefixed `frame:`, in any of its frames:
 * webviews are nested iframes whose documents the page's own locators do not reach.
 */
async function visible(page: Page, selector: string, timeoutMs: number): Promise<void> {
  if (!selector.startsWith('frame:')) {
    await page.locator(selector).first().waitFor({ state: 'visible', timeout: timeoutMs });
    return;
  }
  const inner = selector.slice('frame:'.length);
  await waitFor(
    `${inner} in a webview`,
    async () => {
      for (const frame of page.frames()) {
        const found = await frame
          .locator(inner)
          .first()
          .isVisible()
          .catch(() => false);
        if (found) return true;
      }
      return undefined;
    },
    timeoutMs,
    200,
  );
}

/** Scrolls what a `frame:` selector names into view, in whichever frame holds it. */
async function scrollInFrames(page: Page, selector: string): Promise<void> {
  const inner = selector.replace(/^frame:/, '');
  for (const frame of page.frames()) {
    const target = frame.locator(inner).first();
    if (await target.isVisible().catch(() => false)) {
      await target.scrollIntoViewIfNeeded({ timeout: 10_000 });
      return;
    }
  }
  throw new Error(`no visible ${inner} to scroll to`);
}

/** Picks `value` in the `<select>` a `frame:` selector names, in whichever frame holds it. */
async function selectInFrames(page: Page, selector: string, value: string): Promise<void> {
  const inner = selector.replace(/^frame:/, '');
  for (const frame of page.frames()) {
    const select = frame.locator(inner).first();
    if (await select.isVisible().catch(() => false)) {
      await select.selectOption(value, { timeout: 10_000 });
      return;
    }
  }
  throw new Error(`no visible ${inner} to choose ${value} in`);
}

/** Drags the edge between the sidebar and the editor until the sidebar is `width` px wide. */
async function dragSidebarTo(page: Page, width: number): Promise<void> {
  const sidebar = page.locator('.part.sidebar').first();
  const box = await sidebar.boundingBox();
  if (!box) throw new Error('no sidebar to widen');
  // The sash lies on the edge; the pointer grabs it there.
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
  // Off the sash (it stays highlighted under the pointer), onto the tree's empty end.
  await page.mouse.move(box.x + width / 2, box.y + box.height - 10);
  await waitFor(
    `the sidebar to be ${width} px wide`,
    async () =>
      Math.abs(((await sidebar.boundingBox())?.width ?? 0) - width) <= 2 ? true : undefined,
    5_000,
  );
}

/**
 * Answers the suite's screenshot requests (see screenshotRequests.ts) while it runs: waits
 * for the selectors it names to be visible, then saves test-results/e2e/NAME.png.
 */
function serveScreenshots(page: Page, dir: string): { stop(): void } {
  const handled = new Set<string>();
  let busy = false;
  const take = async (name: string) => {
    const safeName = name.replace(/[^\w.-]/g, '_');
    let result: ScreenshotResult;
    try {
      const request = JSON.parse(
        await fs.readFile(requestFile(dir, name), 'utf8'),
      ) as ScreenshotRequest;
      for (const selector of request.waitFor) await visible(page, selector, 30_000);
      if (request.choose) {
        await selectInFrames(page, request.choose.select, request.choose.value);
        for (const selector of request.choose.thenWaitFor) await visible(page, selector, 30_000);
      }
      if (request.sidebarWidth) await dragSidebarTo(page, request.sidebarWidth);
      if (request.scrollTo) await scrollInFrames(page, request.scrollTo);
      const menu = request.contextMenu;
      if (menu) await page.locator(menu.rightClick).first().click({ button: 'right' });
      const entry = menu
        ? page.locator(`.context-view .monaco-menu .action-label`, { hasText: menu.thenChoose })
        : undefined;
      await entry?.first().waitFor({ state: 'visible', timeout: 10_000 });
      const file = path.join(RESULTS, `${safeName}.png`);
      await page.screenshot({ path: file, timeout: 15_000 });
      await entry?.first().click();
      result = { path: file };
      say(`screenshot ${path.relative(ROOT, file)}`);
    } catch (e) {
      result = { error: (e as Error).message };
      await page
        .screenshot({ path: path.join(RESULTS, `${safeName}-failed.png`), timeout: 5_000 })
        .catch(() => undefined);
    }
    await writeAtomically(doneFile(dir, name), JSON.stringify(result));
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void pendingRequests(dir)
      .then(async (names) => {
        for (const name of names.filter((n) => !handled.has(n))) {
          handled.add(name);
          await take(name);
        }
      })
      .catch((e) => say(`screenshot requests: ${(e as Error).message}`))
      .finally(() => (busy = false));
  }, 100);
  return { stop: () => clearInterval(timer) };
}

/**
 * Waits for the ranking run and tells the suite (through code-server's environment) which
 * folder it is, or why there is none: the suite's Ranking test then fails with that reason.
 */
async function nameRankingRun(ranking: RankingTraining, env: NodeJS.ProcessEnv): Promise<void> {
  const t = Date.now();
  try {
    env[RANKING_RUN_ENV] = await ranking.done;
    say(`ranking run ${path.basename(env[RANKING_RUN_ENV])} ready after ${since(t)} more`);
  } catch (e) {
    env[RANKING_ERROR_ENV] = (e as Error).message;
    say(`ranking run failed: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Loads the payload page and resolves with the suite's exit code. */
async function runSuite(page: Page, server: CodeServer, f: Folders): Promise<number> {
  const consoleLog = path.join(RESULTS, 'browser-console.log');
  page.on('console', (m) => void fs.appendFile(consoleLog, `[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => void fs.appendFile(consoleLog, `[pageerror] ${e.stack ?? e}\n`));
  const workbenchLog = path.join(RESULTS, 'workbench.log');
  // Every message of the workbench's log arrives here, the suite's console output among them:
  // all go to workbench.log, the suite's report also to stdout.
  await page.exposeFunction('codeAutomationLog', (type: string, message: unknown) => {
    const parts = Array.isArray(message) ? message : [message];
    const text = parts.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
    void fs.appendFile(workbenchLog, `[${type}] ${text}\n`);
    for (const line of text.split('\n')) if (SUITE_REPORT.test(line)) console.log(line);
  });
  let reportExit: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => (reportExit = resolve));
  await page.exposeFunction('codeAutomationExit', async (code: number, logs: unknown) => {
    await saveLogs(logs).catch((e) => say(`saving logs: ${(e as Error).message}`));
    reportExit(code);
  });
  const failure = new Promise<never>((_, reject) => {
    page.on('crash', () => reject(new Error('the page crashed')));
    page.on('close', () => reject(new Error('the page closed before the suite ended')));
    void server.exited.then((why) => reject(new Error(`code-server exited (${why})`)));
  });
  const screenshots = serveScreenshots(page, f.requests);
  try {
    await page.goto(payloadUrl(server, f.workspace), { waitUntil: 'domcontentloaded' });
    return await withTimeout(
      Promise.race([exitCode, failure]),
      SUITE_TIMEOUT_MS,
      'the suite to report its exit code',
    );
  } finally {
    screenshots.stop();
  }
}

async function main(): Promise<number> {
  const missing = missingPrerequisites();
  if (missing.length) {
    for (const m of missing) console.error(`e2e: ${m}`);
    return 2;
  }
  await fs.rm(RESULTS, { recursive: true, force: true });
  await fs.mkdir(RESULTS, { recursive: true });
  const f = await makeFolders();
  const env = testEnv(f);
  writeDeviceTable(f, env);
  let server: CodeServer | undefined;
  let ranking: RankingTraining | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let cleaning: Promise<void> | undefined;
  let interrupted = false;
  const cleanup = () =>
    (cleaning ??= (async () => {
      const t = Date.now();
      await withTimeout(context?.close() ?? Promise.resolve(), 10_000, 'closing Chromium').catch(
        (e) => say((e as Error).message),
      );
      const closed = since(t);
      await ranking?.stop();
      await server?.stop();
      say(`stopped chromium in ${closed}, code-server in ${since(t)}`);
      // The server side's logs (the extension host's among them) live in its user data.
      await fs
        .cp(path.join(f.userData, 'logs'), path.join(RESULTS, 'server-logs'), { recursive: true })
        .catch(() => undefined);
      await fs.rm(f.root, { recursive: true, force: true, maxRetries: 3 });
    })());
  const exitCodes: Partial<Record<NodeJS.Signals, number>> = {
    SIGHUP: 129,
    SIGINT: 130,
    SIGTERM: 143,
  };
  for (const [sig, exitCode] of Object.entries(exitCodes)) {
    process.once(sig, () => {
      interrupted = true;
      say(`${sig}: stopping`);
      void cleanup().finally(() => process.exit(exitCode));
    });
  }
  let code = 1;
  try {
    let t = Date.now();
    ranking = trainRankingRun({
      root: ROOT,
      config: await copyRankingConfig(ROOT, f.workspace),
      runsDir: path.join(f.workspace, '.supernet', 'runs'),
      env,
      logFile: path.join(RESULTS, 'ranking-train.log'),
      timeoutMs: RANKING_TIMEOUT_MS,
    });
    if (MODE === 'package') {
      const vsix = ensureVsix();
      installExtension(vsix, f, env);
      say(`installed ${path.relative(ROOT, vsix)} in ${since(t)}`);
      t = Date.now();
    }
    await nameRankingRun(ranking, env);
    server = await startCodeServer({
      entry: CODE_SERVER,
      userDataDir: f.userData,
      extensionsDir: f.extensions,
      workspace: f.workspace,
      env,
      logFile: path.join(RESULTS, 'code-server.log'),
      readyTimeoutMs: 20_000,
    });
    say(`code-server ready on ${server.origin} in ${since(t)}`);
    t = Date.now();
    ({ context, page } = await launchBrowser({
      toolsDir: TOOLS,
      executablePath: CHROMIUM,
      profileDir: f.profile,
      env,
      timeoutMs: 30_000,
    }));
    say(`chromium ready in ${since(t)}`);
    t = Date.now();
    code = await runSuite(page, server, f);
    say(`suite exited with ${code} in ${since(t)}`);
  } catch (e) {
    if (!interrupted) console.error(`e2e: ${(e as Error).stack ?? e}`);
    code = 1;
  }
  if (code !== 0 && page) {
    await page
      .screenshot({ path: path.join(RESULTS, 'failure.png'), timeout: 5_000 })
      .catch(() => undefined);
  }
  await cleanup();
  if (code !== 0)
    say('logs: code-server.log, workbench.log, logs/ (window), server-logs/ (extension host)');
  say(
    `${code === 0 ? 'passed' : 'FAILED'} in ${since(started)}; output in ${path.relative(ROOT, RESULTS)}/`,
  );
  return code;
}

// `npm test` runs every file under out/test/ with `node --test`: this one only runs when
// asked for directly.
if (require.main === module) {
  if (process.env.NODE_TEST_CONTEXT) {
    console.log('the e2e runner runs through npm run test:e2e, not node --test');
  } else {
    main().then(
      (code) => process.exit(code),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  }
}
