import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { findTorchPython } from '../python/pythonEnv';
import { computeEnv, rendezvousOf, threadsPerProcess, torchrunArgs } from '../python/torchrun';

interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface TrainNodeOptions {
  rdzv: string;
  nnodes: number;
  nodeRank: number;
  nprocPerNode?: number;
  device?: 'auto' | 'cpu' | 'cuda';
  threads?: number;
}

/**
 * `supernet train-node`: this machine's share of a pytorch run whose engine runs on node 0.
 * Its ranks take each command from rank 0 over torch.distributed; nothing here talks to the
 * engine or writes a run folder. Ends with torchrun's exit code (Ctrl-C ends the ranks).
 */
export async function trainNodeCli(o: TrainNodeOptions, io: CliIo): Promise<number> {
  const nproc = o.nprocPerNode ?? 1;
  const device = o.device ?? 'auto';
  const python = findTorchPython({ device, world: nproc * o.nnodes });
  const [masterAddr, masterPort] = await rendezvousOf(o.rdzv);
  const rdzvTimeout = 600;
  const threads = o.threads ?? threadsPerProcess(availableParallelism(), nproc);
  io.out(
    `node ${o.nodeRank} of ${o.nnodes}: ${nproc} process(es) × ${threads} thread(s), torch ${python.torch} (${python.executable}), meeting node 0 at ${masterAddr}:${masterPort}`,
  );
  const child = spawn(
    python.executable,
    torchrunArgs({
      nnodes: o.nnodes,
      nodeRank: o.nodeRank,
      nprocPerNode: nproc,
      masterAddr,
      masterPort,
      rdzvTimeout,
    }),
    { env: computeEnv({ device, threads }), stdio: 'inherit', detached: true },
  );
  const endAll = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      child.kill(signal);
    }
  };
  const stop = () => endAll('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const watch = watchNodeZero(masterAddr, Number(masterPort), rdzvTimeout, (why) => {
    io.err(`node ${o.nodeRank}: ${why}: ending this node's ranks`);
    endAll('SIGKILL');
  });
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      io.out(`node ${o.nodeRank}: torchrun ended (${signal ?? `exit code ${code}`})`);
      resolve(code ?? 1);
    }),
  );
}

/**
 * Ends a node whose run is gone. torch 1.13's agent spins on a store connection that node 0
 * closed, and its ranks wait out their collective's timeout: so this process asks node 0's
 * rendezvous port itself, every 5 s, and calls `gone` when it has not answered for 15 s
 * after it once did, or never answered within the rendezvous timeout.
 */
function watchNodeZero(
  host: string,
  port: number,
  rdzvTimeout: number,
  gone: (why: string) => void,
): NodeJS.Timeout {
  const t0 = Date.now();
  let seen = false;
  let lastAnswer = Date.now();
  const timer = setInterval(() => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      seen = true;
      lastAnswer = Date.now();
      socket.destroy();
    });
    const failed = () => {
      socket.destroy();
      const now = Date.now();
      if (seen && now - lastAnswer > 15_000) {
        clearInterval(timer);
        gone(`node 0 (${host}:${port}) has stopped answering: its run ended or failed`);
      } else if (!seen && now - t0 > rdzvTimeout * 1000) {
        clearInterval(timer);
        gone(`node 0 (${host}:${port}) did not answer within ${rdzvTimeout} s`);
      }
    };
    socket.once('error', failed);
    socket.once('timeout', failed);
  }, 5000);
  return timer;
}
