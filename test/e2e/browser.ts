// Debian's Chromium, driven by playwright-core from the e2e tools folder. playwright-core is
// not a dependency of the project (scripts/install-e2e.sh installs it next to code-server),
// so the few parts of its API used here are typed here.
import * as path from 'node:path';

export interface Locator {
  first(): Locator;
  waitFor(o: { state: 'visible' | 'attached'; timeout: number }): Promise<void>;
  isVisible(): Promise<boolean>;
  click(o?: { button?: 'left' | 'right'; timeout?: number }): Promise<void>;
  selectOption(value: string, o?: { timeout?: number }): Promise<string[]>;
  scrollIntoViewIfNeeded(o?: { timeout?: number }): Promise<void>;
  boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null>;
}

/** A document in the page: the page's own, or an iframe's (webviews). */
export interface Frame {
  locator(selector: string): Locator;
}

export interface Page {
  goto(
    url: string,
    o?: { waitUntil?: 'load' | 'domcontentloaded'; timeout?: number },
  ): Promise<unknown>;
  exposeFunction(name: string, fn: (...args: never[]) => unknown): Promise<void>;
  screenshot(o: { path: string; fullPage?: boolean; timeout?: number }): Promise<Buffer>;
  locator(selector: string, o?: { hasText?: string }): Locator;
  frames(): Frame[];
  mouse: {
    move(x: number, y: number, o?: { steps?: number }): Promise<void>;
    down(): Promise<void>;
    up(): Promise<void>;
  };
  on(event: 'console', fn: (m: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', fn: (e: Error) => void): void;
  on(event: 'crash' | 'close', fn: () => void): void;
}

export interface BrowserContext {
  pages(): Page[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

interface PlaywrightCore {
  chromium: {
    launchPersistentContext(
      userDataDir: string,
      o: {
        executablePath: string;
        headless: boolean;
        args: string[];
        env: NodeJS.ProcessEnv;
        viewport: { width: number; height: number };
        timeout: number;
        handleSIGINT: boolean;
        handleSIGTERM: boolean;
        handleSIGHUP: boolean;
      },
    ): Promise<BrowserContext>;
  };
}

export interface BrowserOptions {
  toolsDir: string;
  executablePath: string;
  /** A fresh, empty folder for the browser's profile. */
  profileDir: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Flags that keep Chromium headless, quiet and off the network (see TESTING.md). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium with a fresh profile; the context's first page is ready to use. */
export async function launchBrowser(
  o: BrowserOptions,
): Promise<{ context: BrowserContext; page: Page }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const playwright = require(
    path.join(o.toolsDir, 'node_modules', 'playwright-core'),
  ) as PlaywrightCore;
  const context = await playwright.chromium.launchPersistentContext(o.profileDir, {
    executablePath: o.executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    env: o.env,
    viewport: { width: 1400, height: 860 },
    timeout: o.timeoutMs,
    // Playwright would exit the process on these; the runner stops code-server first.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}
