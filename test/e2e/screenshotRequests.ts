// How the suite, inside the extension host, asks the runner, which holds the browser page,
// for a screenshot at a moment only the suite knows (the editor is in the state to show):
// files in a folder both can see, named by the runner through an environment variable that
// code-server passes on to its extension host.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { waitFor } from './wait';

/** Environment variable naming the folder of requests; unset: no runner takes screenshots. */
export const SCREENSHOT_DIR_ENV = 'SUPERNET_E2E_SCREENSHOT_REQUESTS';

/** What the suite asks for: `NAME.request` holds this as JSON. */
export interface ScreenshotRequest {
  /** CSS selectors that must all be visible in the page before the picture is taken. */
  waitFor: string[];
  /**
   * What a person does first, in the page: right-click `rightClick` (a tree row) and take the
   * picture with its context menu open, then click the menu entry whose label is
   * `thenChoose`: the suite drives a context menu as a user does.
   */
  contextMenu?: { rightClick: string; thenChoose: string };
  /**
   * A choice a person makes in a webview first: pick `value` in the `<select>` that `select`
   * names (a `frame:` selector), then wait for `thenWaitFor` before the picture.
   */
  choose?: { select: string; value: string; thenWaitFor: string[] };
  /** A `frame:` selector of what the picture must show: scrolled into view first. */
  scrollTo?: string;
  /**
   * The width in px that a person drags the sidebar's edge to first, so that the tree's rows
   * show their descriptions uncut.
   */
  sidebarWidth?: number;
}

/** What the runner answers in `NAME.done`: the picture's path, or why there is none. */
export interface ScreenshotResult {
  path?: string;
  error?: string;
}

export const requestFile = (dir: string, name: string): string => path.join(dir, `${name}.request`);
export const doneFile = (dir: string, name: string): string => path.join(dir, `${name}.done`);

/** Writes `file` whole or not at all, so the other side never reads half of it. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  await fs.writeFile(`${file}.tmp`, text);
  await fs.rename(`${file}.tmp`, file);
}

/** Names of the requests in `dir` (`NAME.request` files), oldest first by name. */
export async function pendingRequests(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.request')).map((n) => n.slice(0, -'.request'.length));
}

/**
 * Suite side: asks for screenshot `name` and waits for the runner's answer. Returns
 * undefined when no runner listens (the variable is unset); throws if the runner failed.
 */
export async function requestScreenshot(
  name: string,
  request: ScreenshotRequest,
  timeoutMs: number,
): Promise<string | undefined> {
  const dir = process.env[SCREENSHOT_DIR_ENV];
  if (!dir) return undefined;
  await writeAtomically(requestFile(dir, name), JSON.stringify(request));
  const text = await waitFor(
    `the runner's screenshot ${name}`,
    () => fs.readFile(doneFile(dir, name), 'utf8').catch(() => undefined),
    timeoutMs,
    100,
  );
  const result = JSON.parse(text) as ScreenshotResult;
  if (result.error || !result.path) throw new Error(`screenshot ${name}: ${result.error}`);
  return result.path;
}
