import { State } from 'vscode-languageclient/node';
import type { Ctx } from '../ctx';

/** The server's job notifications reach the job monitor; a stopped server ends its jobs. */
export function registerServerEvents(ctx: Ctx): void {
  ctx.push(
    ctx.api.onEvent(ctx.client, (n) => ctx.monitor.handle(n)),
    ctx.client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) ctx.monitor.serverStopped();
    }),
  );
}
