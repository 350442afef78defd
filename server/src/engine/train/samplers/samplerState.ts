/**
 * Checks on checkpointed sampler state. Checkpoints are JSON written by an earlier
 * run, possibly of another version or another config, so restoring validates the
 * shape and fails loudly rather than continuing with a silently different run.
 */

export function stateRecord(state: unknown, type: string): Record<string, unknown> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new Error(`Sampler state for '${type}' must be an object`);
  }
  const r = state as Record<string, unknown>;
  if (r.type !== type) throw new Error(`Sampler state is for '${String(r.type)}', not '${type}'`);
  return r;
}

export function stateNumber(r: Record<string, unknown>, key: string): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`Sampler state: '${key}' must be a finite number`);
  return v;
}

export function stateArray(r: Record<string, unknown>, key: string): unknown[] {
  const v = r[key];
  if (!Array.isArray(v)) throw new Error(`Sampler state: '${key}' must be an array`);
  return v;
}
