import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** A Python that cannot run what was asked of it: the message says what is missing and how to get it. */
export class PythonSetupError extends Error {}

/** What an interpreter offers the pytorch backend (python/supernet_torch/probe.py). */
export interface PythonFacts {
  python: string;
  executable: string;
  torch?: string;
  torchError?: string;
  cuda?: boolean;
  cudaBuild?: string | null;
  gpus?: number;
  gpuNames?: string[];
  gloo?: boolean;
  nccl?: boolean;
  torchrun?: boolean;
}

/** What a run asks of Python: where it computes and how many processes it takes. */
export interface TorchNeeds {
  device: 'auto' | 'cpu' | 'cuda';
  /** Processes in all (every node's). */
  world: number;
}

/** The folder holding the `supernet_torch` package: python/ beside dist/, or the repository's. */
export function pythonPackageDir(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'python');
    if (existsSync(path.join(candidate, 'supernet_torch', 'compute.py'))) return candidate;
    if (path.dirname(dir) === dir)
      throw new PythonSetupError(
        `The pytorch backend's Python files (python/supernet_torch) are missing from this install.`,
      );
  }
}

const HOW_TO_GET =
  'Install PyTorch for that interpreter (`python3 -m pip install torch`, or on Debian and Ubuntu `apt install python3-torch`, whose interpreter is /usr/bin/python3), or point the setting `supernet.python` (or SUPERNET_PYTHON) at one that has it.';

/**
 * The interpreters to try: the one configured (`supernet.python`, passed to the engine as
 * SUPERNET_PYTHON) alone; else python3, python and the system's /usr/bin/python3, the first
 * with torch winning.
 */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): {
  configured: boolean;
  list: string[];
} {
  const configured = env.SUPERNET_PYTHON?.trim();
  if (configured) return { configured: true, list: [configured] };
  return { configured: false, list: [...new Set(['python3', 'python', '/usr/bin/python3'])] };
}

const probed = new Map<string, PythonFacts | string>();

/** The interpreter's facts, or why it could not be run (cached for the process). */
export function probePython(python: string): PythonFacts | string {
  const known = probed.get(python);
  if (known) return known;
  const script = path.join(pythonPackageDir(), 'supernet_torch', 'probe.py');
  const r = spawnSync(python, [script], { encoding: 'utf8', timeout: 120_000 });
  let result: PythonFacts | string;
  if (r.error)
    result = (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message;
  else if (r.status !== 0) result = `exited with ${r.status}: ${lastLines(r.stderr, 3)}`;
  else {
    try {
      const line = r.stdout.trim().split('\n').pop() ?? '';
      result = JSON.parse(line) as PythonFacts;
      if (typeof result !== 'object' || typeof result.python !== 'string')
        result = 'printed no facts';
    } catch {
      result = `printed something else than its facts: ${lastLines(r.stdout, 2)}`;
    }
  }
  probed.set(python, result);
  return result;
}

/**
 * The interpreter a pytorch run uses, checked for what the run needs; a RunError saying
 * exactly what is missing and how to get it, before anything of the run is touched.
 */
export function findTorchPython(
  needs: TorchNeeds,
  env: NodeJS.ProcessEnv = process.env,
): PythonFacts {
  const { configured, list } = pythonCandidates(env);
  const tried: string[] = [];
  let withTorch: PythonFacts | undefined;
  for (const python of list) {
    const facts = probePython(python);
    if (typeof facts === 'string') {
      tried.push(`${python}: ${facts}`);
      continue;
    }
    if (!facts.torch) {
      tried.push(
        `${python} (Python ${facts.python}, ${facts.executable}): no torch (${facts.torchError ?? 'not importable'})`,
      );
      continue;
    }
    withTorch = facts;
    break;
  }
  if (!withTorch) {
    const where = configured ? 'The configured Python' : 'No Python with PyTorch was found';
    throw new PythonSetupError(
      `${where} cannot run the pytorch backend. Tried ${tried.join('; ')}. ${HOW_TO_GET}`,
    );
  }
  const problem = torchProblem(withTorch, needs);
  if (problem) throw new PythonSetupError(problem);
  return withTorch;
}

/** Why this torch cannot run what the run asks, or undefined. */
export function torchProblem(f: PythonFacts, needs: TorchNeeds): string | undefined {
  const at = `torch ${f.torch} at ${f.executable}`;
  if (needs.device === 'cuda' && !f.cuda)
    return f.cudaBuild
      ? `CUDA was asked for (train.pytorch.device: cuda), and ${at} (built for CUDA ${f.cudaBuild}) sees no GPU: check the driver (nvidia-smi) and CUDA_VISIBLE_DEVICES, or set the device to cpu.`
      : `CUDA was asked for (train.pytorch.device: cuda), and ${at} is a CPU-only build: install a CUDA build of PyTorch (https://pytorch.org/get-started/locally/) for that interpreter, or set the device to cpu.`;
  const cuda = needs.device === 'cuda' || (needs.device === 'auto' && f.cuda);
  if (needs.world > 1) {
    if (!f.torchrun)
      return `${at} lacks torch.distributed.run (torchrun), which data-parallel training needs.`;
    if (cuda && !f.nccl) return `${at} has no NCCL, which data-parallel training on GPUs needs.`;
    if (!cuda && !f.gloo)
      return `${at} has no gloo, which data-parallel training on the CPU needs.`;
  }
  return undefined;
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}
