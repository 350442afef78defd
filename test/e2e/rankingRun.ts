// The run the suite's Ranking tab test opens: a short real training of the ranking
// benchmark's space (examples/ranking.supernet.yaml) by the CLI, which ends with a
// `ranking` event (the supernet's ranking of the shipped table's subnets). The runner
// trains it while it packages and installs the extension, and names the run folder to the
// suite through an environment variable code-server hands on to its extension host.
import { spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { killTree } from './processes';

/** Set for the suite: the run folder to open, or why there is none. */
export const RANKING_RUN_ENV = 'SUPERNET_E2E_RANKING_RUN';
export const RANKING_ERROR_ENV = 'SUPERNET_E2E_RANKING_ERROR';

/** Enough steps for the engine to reach its last step and rank there; few enough to be quick. */
export const RANKING_STEPS = 40;

export interface RankingTraining {
  /** The run folder, once the training completed with at least one `ranking` event. */
  done: Promise<string>;
  stop(): Promise<void>;
}

/**
 * `supernet train ranking.supernet.yaml --steps 40 --json` into `runsDir`, its output in
 * `logFile`. `done` rejects with the reason (and the CLI's last lines) if the training fails,
 * times out, or emits no ranking event.
 */
export function trainRankingRun(opts: {
  root: string;
  config: string;
  runsDir: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  timeoutMs: number;
}): RankingTraining {
  const cli = path.join(opts.root, 'bin', 'supernet.js');
  const args = [cli, 'train', opts.config, '--steps', String(RANKING_STEPS)];
  // Output straight to the log file: the runner's event loop is blocked while it packages
  // the extension, and a full pipe would stall the training.
  const out = openSync(opts.logFile, 'w');
  const child = spawn(process.execPath, [...args, '--runs', opts.runsDir, '--json'], {
    cwd: path.dirname(opts.config),
    env: opts.env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  closeSync(out);
  const stop = () => (child.pid ? killTree(child.pid) : Promise.resolve());
  const timer = setTimeout(() => void stop(), opts.timeoutMs);
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = readFileSync(opts.logFile, 'utf8').split('\n');
      const events = lines.map(parseLine);
      const runId = events.find((e) => e?.type === 'run-start')?.runId;
      const why = (s: string) =>
        new Error(`${args.join(' ')}: ${s}\n${lines.slice(-20).join('\n')}`);
      if (code !== 0) reject(why(`exited with ${code ?? signal} (timeout ${opts.timeoutMs} ms)`));
      else if (typeof runId !== 'string') reject(why('never named its run'));
      else if (!events.some((e) => e?.type === 'ranking')) reject(why('emitted no ranking event'));
      else resolve(path.join(opts.runsDir, runId));
    });
  });
  return { done, stop };
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const x: unknown = JSON.parse(line);
    return typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Copies the benchmark's config into the test's workspace, where a user would keep it. */
export async function copyRankingConfig(root: string, workspace: string): Promise<string> {
  const config = path.join(workspace, 'ranking.supernet.yaml');
  await fs.copyFile(path.join(root, 'examples', 'ranking.supernet.yaml'), config);
  return config;
}
