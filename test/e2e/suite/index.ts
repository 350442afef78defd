// Entry point of the e2e suite, loaded by VS Code's extension host (extensionTestsPath):
// `run()` resolves when every test passed and rejects otherwise, which sets the exit code.
// `vscode` exists only inside the extension host, so it is loaded in run(), not at the top:
// `npm test` (node --test out/test/) loads these files too, and must find nothing to do.
import type * as VSCode from 'vscode';
import { runTests } from './runner';
import { pytorchTests } from './pytorchTests';
import { rankingTests } from './rankingTests';
import { runTests as runPathTests } from './runTests';
import { supernetTests } from './supernetTests';

export async function run(): Promise<void> {
  // A plain require: the extension host resolves 'vscode' for require() calls only.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vscode = require('vscode') as typeof VSCode;
  await runTests([
    ...supernetTests(vscode),
    ...runPathTests(vscode),
    ...rankingTests(vscode),
    ...pytorchTests(vscode),
  ]);
}
