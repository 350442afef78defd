// What the engine's process tests share: the micro space they train (12 subnets, a step in
// a few milliseconds) and the CLI they drive.
import { spawn, spawnSync } from 'node:child_process';
import type { EngineEvent } from '#shared/protocol/engine';
import * as path from 'node:path';

export { microConfig } from '../fixtures/configs';

export const root = path.resolve(__dirname, '../../..');
export const cli = path.join(root, 'bin', 'supernet.js');

/** `supernet ARGS` in `cwd`, to its end (two minutes at most). */
export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [cli, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** A CLI job in its own process group (as a terminal runs it), with its JSON events as they come. */
export function startCli(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [cli, ...args, '--json'], {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen: EngineEvent[] = [];
  let buf = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('{')) seen.push(JSON.parse(l) as EngineEvent);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const until = async (what: string, f: (e: EngineEvent) => boolean, ms = 120_000) => {
    const t0 = Date.now();
    for (;;) {
      const hit = seen.find(f);
      if (hit) return hit;
      if (Date.now() - t0 > ms) throw new Error(`no ${what} within ${ms} ms; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, seen, exited, until, stderr: () => stderr };
}

/** The engine events a `--json` CLI run printed, one a line (any other line throws). */
export const eventsOf = (stdout: string): EngineEvent[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EngineEvent);
