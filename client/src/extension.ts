import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { createCtx } from './ctx';
import { extensionApi, type SupernetExtensionApi } from './extensionApi';
import { registerServerEvents } from './runs/jobEvents';
import { registerRunTree } from './tree/runTreeSync';

export type { SupernetExtensionApi };

let stop: (() => Promise<void>) | undefined;

/** Builds the shared context, registers each feature from its own module, starts the server. */
export async function activate(context: vscode.ExtensionContext): Promise<SupernetExtensionApi> {
  const ctx = createCtx(context);
  stop = () => ctx.client.stop();
  registerServerEvents(ctx);
  registerRunTree(ctx);
  registerCommands(ctx);
  markWalkthroughConfig();
  await ctx.client.start();
  // The server could not list runs while it was starting: ask again now that it can.
  ctx.runs.tree.refresh();
  return extensionApi(ctx);
}

export async function deactivate(): Promise<void> {
  await stop?.();
  stop = undefined;
}

/** The walkthrough's first step ticks off once the workspace has a config. */
function markWalkthroughConfig(): void {
  void vscode.workspace
    .findFiles('**/*.supernet.{yaml,yml}', '**/node_modules/**', 1)
    .then((found) =>
      vscode.commands.executeCommand('setContext', 'supernet.hasConfig', found.length > 0),
    );
}
