import { availableParallelism } from 'node:os';

/**
 * Threads this engine process may use: SUPERNET_MAX_THREADS (the language server sets it
 * from the setting `supernet.maxEngineThreads`; the CLI passes the environment through),
 * or one per core. A value that is not a positive integer counts as unset.
 */
export function engineThreads(env: NodeJS.ProcessEnv = process.env): number {
  const cores = Math.max(1, availableParallelism());
  const text = env.SUPERNET_MAX_THREADS;
  if (!text || !/^\d+$/.test(text) || Number(text) < 1) return cores;
  return Number(text);
}
