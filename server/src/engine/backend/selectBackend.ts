import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import type { RunStartEvent } from '#shared/protocol/engineEvents';
// Both are dependencies and register their backends on load; loading costs little, the wasm
// binary itself is only fetched when that backend is set.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { ensureTfjsGradients } from './tfjsGradients';
import { registerWasmGradientKernels } from './wasmGradKernels';

export type BackendPreference = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface SelectedBackend {
  /** The tfjs backend name now active: 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  package: string;
  /** The pytorch backend's compute process, as it reported itself (run-start's `compute`). */
  compute?: RunStartEvent['compute'];
  /** For 'auto': the packages tried before this one, in order. */
  fellBackFrom?: string[];
  /** Why each package in fellBackFrom was not used. */
  fallbackReasons?: Record<string, string>;
}

interface Candidate {
  preference: Exclude<BackendPreference, 'auto'>;
  package: string;
  backendName: string;
  /** Native packages are optional and absent from most installs. */
  optional: boolean;
}

const CANDIDATES: readonly Candidate[] = [
  {
    preference: 'tensorflow-gpu',
    package: '@tensorflow/tfjs-node-gpu',
    backendName: 'tensorflow',
    optional: true,
  },
  {
    preference: 'tensorflow',
    package: '@tensorflow/tfjs-node',
    backendName: 'tensorflow',
    optional: true,
  },
  {
    preference: 'wasm',
    package: '@tensorflow/tfjs-backend-wasm',
    backendName: 'wasm',
    optional: false,
  },
  {
    preference: 'cpu',
    package: '@tensorflow/tfjs-backend-cpu',
    backendName: 'cpu',
    optional: false,
  },
];

/**
 * Activates the preferred tfjs backend, ready for training: gradients registered and, on
 * wasm, the gradient kernels it lacks. 'auto' takes the first that works; an explicit choice
 * that cannot be activated throws, naming the package and the reason.
 */
export async function selectBackend(pref: BackendPreference): Promise<SelectedBackend> {
  const candidates = pref === 'auto' ? CANDIDATES : CANDIDATES.filter((c) => c.preference === pref);
  if (candidates.length === 0) throw new Error(`Unknown backend preference '${String(pref)}'.`);
  const reasons: Record<string, string> = {};
  for (const candidate of candidates) {
    const failure = await activate(candidate);
    if (failure !== undefined) {
      reasons[candidate.package] = failure;
      continue;
    }
    await ensureTfjsGradients();
    const selected: SelectedBackend = { name: candidate.backendName, package: candidate.package };
    const fellBackFrom = Object.keys(reasons);
    if (fellBackFrom.length > 0) {
      selected.fellBackFrom = fellBackFrom;
      selected.fallbackReasons = reasons;
    }
    return selected;
  }
  const tried = Object.entries(reasons).map(([pkg, reason]) => `${pkg}: ${reason}`);
  throw new Error(
    pref === 'auto'
      ? `No TensorFlow.js backend could be started: ${tried.join('; ')}.`
      : `Backend '${pref}' is unavailable: ${tried[0]}.`,
  );
}

const loadOptionalPackage = createRequire(__filename);

/** Undefined when the backend is now active, otherwise why not. */
async function activate(candidate: Candidate): Promise<string | undefined> {
  if (candidate.optional) {
    try {
      // Loaded by a computed name so that bundlers neither bundle nor demand the package.
      loadOptionalPackage(candidate.package);
    } catch (err) {
      return `could not be loaded (${firstLine(err)})`;
    }
  }
  if (candidate.backendName === 'wasm') registerWasmGradientKernels();
  let ok: boolean;
  try {
    ok = await tf.setBackend(candidate.backendName);
  } catch (err) {
    return `setBackend('${candidate.backendName}') failed (${firstLine(err)})`;
  }
  // tfjs reports some failed initialisations (the wasm threaded build under Node, for one)
  // only by leaving another backend active, so the result is checked, not trusted.
  const active = tf.getBackend();
  if (!ok || active !== candidate.backendName) {
    return `setBackend('${candidate.backendName}') left '${String(active)}' active`;
  }
  return undefined;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0];
}
