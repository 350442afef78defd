// Starts code-server (VS Code served to a browser) on a free loopback port with its state
// in the test's own folders, and stops it with everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import * as net from 'node:net';
import { killTree } from './processes';
import { waitFor } from './wait';

export interface CodeServerOptions {
  /** code-server's out/node/entry.js. */
  entry: string;
  userDataDir: string;
  extensionsDir: string;
  /** The folder the window opens. */
  workspace: string;
  /** The whole environment of code-server and of the extension host it starts. */
  env: NodeJS.ProcessEnv;
  /** code-server's stdout and stderr go here. */
  logFile: string;
  /** How long to wait for /healthz to answer. */
  readyTimeoutMs: number;
}

export interface CodeServer {
  port: number;
  /** http://127.0.0.1:PORT */
  origin: string;
  proc: ChildProcess;
  /** Resolves with code-server's exit code (or signal) when it exits, for whatever reason. */
  exited: Promise<string>;
  /** Stops code-server, its process group and its descendants. */
  stop(): Promise<void>;
}

/** A port nobody listens on now (the OS picks it; code-server binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function answersHealthz(origin: string): Promise<true | undefined> {
  const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
  await res.body?.cancel();
  return res.ok ? true : undefined;
}

async function startOnce(o: CodeServerOptions): Promise<CodeServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const args = [
    o.entry,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--user-data-dir',
    o.userDataDir,
    '--extensions-dir',
    o.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--disable-workspace-trust',
    '--disable-proxy',
    o.workspace,
  ];
  const log = createWriteStream(o.logFile, { flags: 'a' });
  log.write(`$ ${process.execPath} ${args.join(' ')}\n`);
  // Its own process group, so that stopping it reaches the extension host and the language
  // server too.
  const proc = spawn(process.execPath, args, {
    env: o.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.pipe(log, { end: false });
  proc.stderr!.pipe(log, { end: false });
  const exited = new Promise<string>((resolve) =>
    proc.once('exit', (code, sig) => resolve(sig ?? String(code))),
  );
  let exitedWith: string | undefined;
  void exited.then((why) => {
    exitedWith = why;
    log.end();
  });
  const server: CodeServer = {
    port,
    origin,
    proc,
    exited,
    // Even after code-server itself exited, members of its group may still run.
    stop: async () => {
      if (proc.pid) await killTree(proc.pid);
    },
  };
  try {
    await waitFor(
      `code-server to answer ${origin}/healthz`,
      () => {
        if (exitedWith !== undefined) throw new Error(`code-server exited (${exitedWith})`);
        return answersHealthz(origin);
      },
      o.readyTimeoutMs,
      100,
    );
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** Starts code-server; tries another port if the first one was taken in between. */
export async function startCodeServer(o: CodeServerOptions): Promise<CodeServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(o);
    } catch (e) {
      if (attempt >= 3) throw e;
      console.error(`e2e: code-server did not start (${(e as Error).message}); retrying`);
    }
  }
}
