import type { WebviewMessage } from '#shared/dashboard/webview';

/** The slice of VS Code's webview API the dashboard uses. */
interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** May be acquired once per page load. */
export const vscode: VsCodeApi = acquireVsCodeApi();
