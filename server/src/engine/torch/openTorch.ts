import type { StartCommand } from '#shared/protocol/engine';
import type { SupernetConfig } from '../../config/configSchema';
import type { SelectedBackend } from '../backend/selectBackend';
import { RunError } from '../runError';
import { engineThreads } from '../threads/engineThreads';
import { ComputeProcess, type ComputeOptions } from './computeProcess';
import {
  findTorchPython,
  pythonCandidates,
  probePython,
  PythonSetupError,
} from '../../python/pythonEnv';
import { threadsPerProcess } from '../../python/torchrun';

/** The compute a pytorch run asks for: the config's `train.pytorch`, then the command's overrides. */
export function computeRequest(
  config: SupernetConfig,
  cmd: Pick<StartCommand, 'pytorch'>,
): Omit<ComputeOptions, 'python'> {
  const own = config.train.pytorch;
  const o: NonNullable<StartCommand['pytorch']> = cmd.pytorch ?? {};
  const rdzv = o.rdzv ?? own?.rdzv;
  const nprocPerNode = o.nprocPerNode ?? own?.nprocPerNode ?? 1;
  const threads = o.threads ?? own?.threads ?? threadsPerProcess(engineThreads(), nprocPerNode);
  return {
    device: o.device ?? own?.device ?? 'auto',
    nprocPerNode,
    nnodes: o.nnodes ?? own?.nnodes ?? 1,
    rdzvTimeout: own?.rdzvTimeout ?? 120,
    ...(rdzv ? { rdzv } : {}),
    threads,
  };
}

/**
 * Whether a run trains on PyTorch: asked for by name, or `auto` where a Python was
 * configured (`supernet.python`, SUPERNET_PYTHON) and its torch sees a GPU. Nothing Python
 * is looked at otherwise: the default path needs none.
 */
export function wantsTorch(pref: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (pref === 'pytorch') return true;
  if (pref !== 'auto') return false;
  const { configured, list } = pythonCandidates(env);
  if (!configured) return false;
  const facts = probePython(list[0]);
  return typeof facts !== 'string' && !!facts.torch && !!facts.cuda;
}

/**
 * The compute process of a pytorch run, every rank up: the interpreter checked for what the
 * run asks (torch, CUDA, gloo or NCCL, torchrun) and the batch checked against the ranks,
 * each failure a RunError before any step and before any run folder is touched.
 */
export async function openTorchCompute(
  config: SupernetConfig,
  cmd: Pick<StartCommand, 'pytorch'>,
): Promise<ComputeProcess> {
  if (config.train.fewShot)
    throw new RunError(
      'train.fewShot is not supported on the pytorch backend yet: train few-shot supernets on the tfjs backends.',
    );
  const request = computeRequest(config, cmd);
  const world = request.nprocPerNode * request.nnodes;
  const { batchSize } = config.train;
  if (batchSize % world !== 0)
    throw new RunError(
      `train.batchSize ${batchSize} does not split evenly over ${world} processes (${request.nnodes} node(s) × ${request.nprocPerNode}): each process takes an equal share of every batch.`,
    );
  try {
    const python = findTorchPython({ device: request.device, world });
    return await ComputeProcess.open({ ...request, python });
  } catch (e) {
    if (e instanceof PythonSetupError) throw new RunError(e.message);
    throw e;
  }
}

/** The backend a pytorch run records (run.json, run-start, checkpoints): its compute as rank 0 reported it. */
export function torchBackend(compute: ComputeProcess): SelectedBackend {
  const h = compute.hello;
  if (!h) throw new RunError('The compute process is not up');
  return {
    name: 'pytorch',
    package: `torch ${h.torch}`,
    compute: {
      torch: h.torch,
      python: h.python,
      device: h.device,
      deviceName: h.deviceName,
      processes: h.worldSize,
      nodes: h.nodes,
      threadsPerProcess: h.threads,
    },
  };
}

/** The line a run's log gets about its compute. */
export function describeCompute(compute: ComputeProcess, batchNorm: string): string {
  const h = compute.hello;
  if (!h) throw new RunError('The compute process is not up');
  const ranks =
    h.worldSize === 1
      ? '1 process'
      : `${h.worldSize} processes on ${h.nodes} node(s) (DistributedDataParallel over ${h.distributed}, batch norm ${batchNorm})`;
  return `pytorch: torch ${h.torch}, Python ${h.python}, on ${h.device === 'cuda' ? `CUDA (${h.deviceName})` : 'the CPU'}, ${ranks} × ${h.threads} thread(s)`;
}
