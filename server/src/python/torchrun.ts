import { createServer } from 'node:net';
import * as path from 'node:path';
import { pythonPackageDir, PythonSetupError } from './pythonEnv';

/** torchrun's command line for node `nodeRank` of a run, its ranks running the compute module. */
export function torchrunArgs(o: {
  nnodes: number;
  nodeRank: number;
  nprocPerNode: number;
  masterAddr: string;
  masterPort: string;
  rdzvTimeout: number;
}): string[] {
  return [
    '-m',
    'supernet_torch.launch',
    `--nnodes=${o.nnodes}`,
    `--node_rank=${o.nodeRank}`,
    `--nproc_per_node=${o.nprocPerNode}`,
    `--master_addr=${o.masterAddr}`,
    `--master_port=${o.masterPort}`,
    `--rdzv_conf=timeout=${o.rdzvTimeout}`,
    '--max_restarts=0',
    '-m',
    'supernet_torch.compute',
  ];
}

/**
 * Threads each of a node's `nproc` processes computes with by default: the node's cores
 * shared out (Debian's torch would otherwise start each with one).
 */
export const threadsPerProcess = (cores: number, nproc: number): number =>
  Math.max(1, Math.floor(cores / nproc));

/** What every compute process is started with: the package on the path, its device and threads. */
export function computeEnv(o: {
  device: 'auto' | 'cpu' | 'cuda';
  threads?: number;
}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: [pythonPackageDir(), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    PYTHONUNBUFFERED: '1',
    SUPERNET_DEVICE: o.device,
    ...(o.threads
      ? { SUPERNET_THREADS: String(o.threads), OMP_NUM_THREADS: String(o.threads) }
      : {}),
  };
}

/** HOST and PORT of the rendezvous: the one given, or a free port on the loopback. */
export async function rendezvousOf(rdzv: string | undefined): Promise<[string, string]> {
  if (rdzv) {
    const m = /^(.+):(\d{1,5})$/.exec(rdzv);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
      throw new PythonSetupError(`The rendezvous '${rdzv}' is not HOST:PORT.`);
    return [m[1], m[2]];
  }
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return ['127.0.0.1', String(port)];
}
