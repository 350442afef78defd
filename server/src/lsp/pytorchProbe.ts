import type { PytorchStatus } from '../analysis/pytorchFacts';
import { findTorchPython, PythonSetupError, type PythonFacts } from '../python/pythonEnv';

/**
 * Set by the client beside SUPERNET_PYTHON when the setting `supernet.python` overrode it:
 * the value the editor itself was started with ('' for none), which holds again once the
 * setting is emptied (client/src/pythonEnv.ts writes it).
 */
export const INHERITED_PYTHON = 'SUPERNET_PYTHON_INHERITED';

/**
 * The interpreter the pytorch backend is to use: the setting `supernet.python` once the
 * client has sent it (undefined: not yet), else what the server was started with; undefined
 * for none (then the candidates of server/src/python/pythonEnv.ts are tried).
 */
export function configuredPython(
  env: NodeJS.ProcessEnv,
  setting: string | null | undefined,
): string | undefined {
  if (setting === undefined) return env.SUPERNET_PYTHON?.trim() || undefined;
  return setting?.trim() || (env[INHERITED_PYTHON] ?? env.SUPERNET_PYTHON)?.trim() || undefined;
}

/** `env` for a process that runs or probes Python: SUPERNET_PYTHON is `python`, or absent. */
export function withPython(env: NodeJS.ProcessEnv, python: string | undefined): NodeJS.ProcessEnv {
  const out = { ...env };
  delete out[INHERITED_PYTHON];
  if (python) out.SUPERNET_PYTHON = python;
  else delete out.SUPERNET_PYTHON;
  return out;
}

/** How the status is found: server/src/python/pythonEnv.ts's search, replaceable in tests. */
export type FindTorchPython = (env: NodeJS.ProcessEnv) => PythonFacts;

/**
 * Whether the pytorch backend can run on this machine, as the language service asks it:
 * probed once for the configured interpreter (on first demand, since it starts Python and
 * imports torch), again after the interpreter changes.
 */
export class PytorchProbe {
  private python: string | undefined;
  private known: PytorchStatus | undefined;

  constructor(
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
    private readonly find: FindTorchPython = (env) =>
      findTorchPython({ device: 'auto', world: 1 }, env),
  ) {
    this.python = configuredPython(baseEnv, undefined);
  }

  /** The interpreter to use (the setting changed); true when it is another one. */
  setPython(python: string | undefined): boolean {
    if (python === this.python) return false;
    this.python = python;
    this.known = undefined;
    return true;
  }

  /** The environment of a process that runs or probes Python: the engine's, the probe's. */
  env(): NodeJS.ProcessEnv {
    return withPython(this.baseEnv, this.python);
  }

  status(): PytorchStatus {
    if (!this.known) {
      try {
        this.known = { ok: true, facts: this.find(this.env()) };
      } catch (e) {
        const reason = e instanceof PythonSetupError ? e.message : `The probe failed: ${e}`;
        this.known = { ok: false, reason };
      }
    }
    return this.known;
  }
}
