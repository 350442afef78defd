// What the engine's process tests share: the micro space they train (12 subnets, a step in
// a few milliseconds) and the CLI they drive.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '../../..');
export const cli = path.join(root, 'bin', 'supernet.js');

/** A config of the micro space: `train` is the train section's flow mapping's inside. */
export const microConfig = (o: { name?: string; task?: string; train: string }): string =>
  `${o.name !== undefined ? `name: ${o.name}\n` : ''}task: ${o.task ?? '{ validationSplit: 0.01 }'}
space:
  resolution: [20]
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3], expand: [1, 2], stride: 2 }
  head: { width: 16 }
train: { ${o.train} }
search: { bnRecalibrationBatches: 1 }
`;

/** `supernet ARGS` in `cwd`, to its end (two minutes at most). */
export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [cli, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
}
