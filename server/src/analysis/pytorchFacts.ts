import type { SupernetConfig } from '../config/configSchema';
import type { Problem } from '../config/problems';
import { joinPath, type ResolvedConfig } from '../config/resolve';
import { torchProblem, type PythonFacts, type TorchNeeds } from '../python/pythonEnv';

/**
 * Whether the pytorch backend can run on this machine, as the language server found out
 * (server/src/lsp/pytorchProbe.ts): the facts of the interpreter it would use, or why there
 * is none (the message says what is missing and how to get it).
 */
export type PytorchStatus = { ok: true; facts: PythonFacts } | { ok: false; reason: string };

/** Whether a config asks for the pytorch backend or sets it up: only then is Python looked at. */
export function mentionsPytorch(config: SupernetConfig): boolean {
  return config.train?.backend === 'pytorch' || config.train?.pytorch !== undefined;
}

/** What the config's `train.pytorch` asks of Python: the device and the processes in all. */
export function torchNeedsOf(config: SupernetConfig): TorchNeeds {
  const p = config.train.pytorch;
  return { device: p?.device ?? 'auto', world: (p?.nprocPerNode ?? 1) * (p?.nnodes ?? 1) };
}

/**
 * `backend: pytorch` where no usable Python with torch was found is a warning on that value;
 * one whose torch lacks what `train.pytorch` asks (CUDA, gloo or NCCL, torchrun) is a warning
 * on the setting that asks it. Warnings, not errors: the run may start on another machine.
 */
export function pytorchProblems(r: ResolvedConfig, status: PytorchStatus): Problem[] {
  const { config } = r;
  if (config.train.backend !== 'pytorch' || r.errorPaths.some((p) => p.startsWith('train.')))
    return [];
  const at = (...paths: (string | number)[][]): [number, number] | undefined =>
    paths.map((p) => r.locations.get(joinPath(p))).find((loc) => loc?.node !== undefined)?.value;
  const problem = (
    range: [number, number] | undefined,
    code: Problem['code'],
    message: string,
  ): Problem[] =>
    range ? [{ start: range[0], end: range[1], severity: 'warning', code, message }] : [];
  const backend = ['train', 'backend'];
  if (!status.ok) return problem(at(backend), 'pytorch-unavailable', status.reason);
  const needs = torchNeedsOf(config);
  const why = torchProblem(status.facts, needs);
  if (!why) return [];
  const onDevice = needs.device === 'cuda' && !status.facts.cuda;
  const pytorch = ['train', 'pytorch'];
  return problem(
    onDevice
      ? at([...pytorch, 'device'], backend)
      : at([...pytorch, 'nprocPerNode'], [...pytorch, 'nnodes'], backend),
    'torch-lacks',
    why,
  );
}
