import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { RunError } from '../runError';
import { encodeFrame, FrameReader, type Frame } from './computeWire';
import type { PythonFacts } from '../../python/pythonEnv';
import { computeEnv, rendezvousOf, torchrunArgs } from '../../python/torchrun';

/** What rank 0 reports when another rank is gone in the middle of a collective. */
const COLLECTIVE_FAILURE = /gloo|nccl|connection (reset|closed|refused)|broken pipe|timed out/i;

/** The wire protocol this engine speaks (python/supernet_torch/__init__.py's PROTOCOL). */
export const COMPUTE_PROTOCOL = 1;

export interface ComputeOptions {
  python: PythonFacts;
  device: 'auto' | 'cpu' | 'cuda';
  /** Threads each process computes with (torch.set_num_threads); absent: torch's default. */
  threads?: number;
  nprocPerNode: number;
  nnodes: number;
  /** HOST:PORT where the nodes meet (this machine is node 0); default a free local port. */
  rdzv?: string;
  /** Seconds the ranks may take to meet before the run gives up. */
  rdzvTimeout: number;
}

/** What rank 0 says once every rank is up. */
export interface ComputeHello {
  torch: string;
  python: string;
  device: 'cpu' | 'cuda';
  deviceName: string;
  worldSize: number;
  nodes: number;
  threads: number;
  distributed: 'gloo' | 'nccl' | null;
  pid: number;
}

/**
 * The compute process a pytorch run drives: `python -m supernet_torch.compute` alone, or
 * torchrun's agent for this node with its ranks under it, in a process group of its own (so
 * that closing or failing takes every rank with it). Rank 0 connects back to a loopback port
 * with a token only this engine knows; one request is in flight at a time.
 */
export class ComputeProcess {
  private queue: Promise<unknown> = Promise.resolve();
  private exited: string | undefined;
  private readonly stderr: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly server: Server,
    private readonly describe: string,
  ) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      this.stderr.push(...d.split('\n').filter((l) => l.trim()));
      if (this.stderr.length > 60) this.stderr.splice(0, this.stderr.length - 60);
    });
    child.on('exit', (code, signal) => {
      this.exited = signal ? `killed by ${signal}` : `exit code ${code}`;
    });
  }

  socket: Socket | undefined;
  reader: FrameReader | undefined;
  hello: ComputeHello | undefined;

  static async open(o: ComputeOptions): Promise<ComputeProcess> {
    const token = randomBytes(24).toString('hex');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    const world = o.nprocPerNode * o.nnodes;
    const [masterAddr, masterPort] = world > 1 ? await rendezvousOf(o.rdzv) : ['', ''];
    const args =
      world === 1
        ? ['-m', 'supernet_torch.compute']
        : torchrunArgs({ ...o, nodeRank: 0, masterAddr, masterPort });
    const env: NodeJS.ProcessEnv = {
      ...computeEnv(o),
      SUPERNET_ENGINE: `127.0.0.1:${port}`,
      SUPERNET_TOKEN: token,
    };
    const child = spawn(o.python.executable, args, {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const describe =
      world === 1
        ? `the pytorch compute process (${o.python.executable})`
        : `torchrun (${o.nnodes} node(s) × ${o.nprocPerNode} process(es), meeting at ${masterAddr}:${masterPort})`;
    const p = new ComputeProcess(child, server, describe);
    try {
      await p.connect(token, world, o, `${masterAddr}:${masterPort}`);
    } catch (e) {
      p.kill();
      throw e;
    }
    return p;
  }

  private async connect(
    token: string,
    world: number,
    o: ComputeOptions,
    at: string,
  ): Promise<void> {
    // The ranks import torch (seconds) before they meet.
    const waitSeconds = world > 1 ? o.rdzvTimeout + 20 : 120;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new RunError(
              world > 1
                ? `The ${world} ranks did not meet at ${at} within ${waitSeconds} s. ${o.nnodes > 1 ? `Start the other node(s) with \`supernet train-node --rdzv ${at} --nnodes ${o.nnodes} --node-rank K --nproc-per-node ${o.nprocPerNode}\` and check that they reach ${at}.` : ''}${this.tail()}`
                : `${this.describe} did not start within ${waitSeconds} s.${this.tail()}`,
            ),
          ),
        waitSeconds * 1000,
      );
      this.server.once('connection', (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.child.once('exit', () => {
        clearTimeout(timer);
        // Let the last of stderr arrive before it is quoted.
        setTimeout(
          () =>
            reject(
              new RunError(
                `${this.describe} ended before its ranks were up (${this.exited}).${this.tail()}${world > 1 && o.nnodes > 1 ? ` Did every node start, and can each reach ${at}?` : ''}`,
              ),
            ),
          200,
        );
      });
    });
    // One connection: rank 0's. Anyone else is turned away.
    this.server.on('connection', (s) => s.destroy());
    socket.setNoDelay(true);
    this.socket = socket;
    this.reader = new FrameReader(socket);
    this.child.once('exit', () =>
      this.reader?.end(new Error(`the process ended (${this.exited})`)),
    );
    const { header } = await this.reader.next();
    if (header.type !== 'hello' || header.token !== token)
      throw new RunError(`${this.describe}: the first message on its port was not its hello.`);
    if (header.protocol !== COMPUTE_PROTOCOL)
      throw new RunError(
        `${this.describe} speaks protocol ${String(header.protocol)}, this engine ${COMPUTE_PROTOCOL}: its Python files are from another version.`,
      );
    this.hello = header as unknown as ComputeHello;
  }

  /** One command and its reply; an error reply or the process ending is a RunError saying so. */
  request(header: object, payload?: Uint8Array): Promise<Frame> {
    const go = async (): Promise<Frame> => {
      const socket = this.socket!;
      if (this.exited) throw this.ended(`before ${(header as { type: string }).type}`);
      for (const b of encodeFrame(header, payload)) socket.write(b);
      let reply: Frame;
      try {
        reply = await this.reader!.next();
      } catch {
        await new Promise((r) => setTimeout(r, 300));
        throw this.ended(`during ${(header as { type: string }).type}`);
      }
      if (reply.header.type === 'error') {
        const message = String(reply.header.message);
        // A rank that died shows on the others as a failed collective; torchrun then ends them all.
        if (COLLECTIVE_FAILURE.test(message)) {
          await new Promise((r) => setTimeout(r, 500));
          throw this.ended(`during ${(header as { type: string }).type}`, message);
        }
        throw new RunError(
          `The pytorch compute process failed: ${message}\n${String(reply.header.trace ?? '')}`,
        );
      }
      return reply;
    };
    const next = this.queue.then(go, go);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private ended(when: string, seen?: string): RunError {
    const what = this.exited ?? (seen ? `rank 0: ${seen.split('\n')[0]}` : 'connection lost');
    return new RunError(
      `${this.describe} ended ${when} (${what}): a rank died or was killed. The run is resumable from its last checkpoint.${this.tail()}`,
    );
  }

  private tail(): string {
    return this.stderr.length ? `\nIts last output:\n  ${this.stderr.slice(-12).join('\n  ')}` : '';
  }

  /** Asks the ranks to finish, and ends them if they have not within `graceMs`. */
  async close(graceMs = 10_000): Promise<void> {
    if (!this.exited && this.socket && !this.socket.destroyed) {
      for (const b of encodeFrame({ type: 'close' })) this.socket.write(b);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (this.exited) resolve();
      });
    }
    this.kill();
  }

  kill(): void {
    this.socket?.destroy();
    this.server.close();
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }
}
