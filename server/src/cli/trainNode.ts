import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { findTorchPython } from '../python/pythonEnv';
import { computeEnv, rendezvousOf, torchrunArgs } from '../python/torchrun';

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
  const threads = o.threads ?? Math.max(1, Math.floor(availableParallelism() / nproc));
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
    { env: computeEnv({ device, threads, rdzvTimeout }), stdio: 'inherit' },
  );
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      io.out(`node ${o.nodeRank}: torchrun ended (${signal ?? `exit code ${code}`})`);
      resolve(code ?? 1);
    }),
  );
}
