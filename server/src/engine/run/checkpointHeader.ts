import { isRecord } from '#shared/schema/validate';
import { RunError } from '../runError';
import type { BatchSamplerState } from '../data/dataSampler';
import type { CheckpointHeader } from '../train/trainer';
import { readCheckpoint, type ReadCheckpoint } from '../storage/checkpoint';

/**
 * A training checkpoint's header, every field checked before anything of the run is
 * touched: a resume that finds `"step": "x"` or `"samplerRng": null` must fail on reading,
 * naming the file and the field, not halfway through restoring after the run's events were
 * already cut back to the checkpoint's step.
 */
export function readTrainingCheckpoint(file: string): ReadCheckpoint<CheckpointHeader> {
  const ck = readCheckpoint<unknown>(file);
  return { ...ck, header: parseCheckpointHeader(file, ck.header) };
}

const isWhole = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isRngState = (x: unknown): x is number[] =>
  Array.isArray(x) && x.length === 4 && x.every((w) => isWhole(w) && w <= 0xffffffff);

export function parseCheckpointHeader(file: string, raw: unknown): CheckpointHeader {
  const bad = (field: string, want: string, got: unknown): never => {
    const shown = JSON.stringify(got)?.slice(0, 40) ?? String(got);
    throw new RunError(
      `${file}: the checkpoint's header field '${field}' must be ${want}; it is ${shown}. The checkpoint is not usable.`,
    );
  };
  if (!isRecord(raw)) return bad('header', 'an object', raw);
  const h = raw;
  if (h.version !== 1) bad('version', '1', h.version);
  for (const f of ['runId', 'spaceKey', 'backend'] as const)
    if (typeof h[f] !== 'string') bad(f, 'a string', h[f]);
  for (const f of ['step', 'totalSteps', 'optimizerSteps'] as const)
    if (!isWhole(h[f])) bad(f, 'a whole number', h[f]);
  if ((h.step as number) > (h.totalSteps as number))
    bad('step', `at most totalSteps (${h.totalSteps as number})`, h.step);
  for (const f of ['samplerRng', 'dataRng'] as const)
    if (!isRngState(h[f])) bad(f, 'a list of 4 whole 32-bit numbers', h[f]);
  if (h.augmentRng !== undefined && !isRngState(h.augmentRng))
    bad('augmentRng', 'a list of 4 whole 32-bit numbers', h.augmentRng);
  if (typeof h.elapsedSeconds !== 'number' || !(h.elapsedSeconds >= 0))
    bad('elapsedSeconds', 'a number of seconds', h.elapsedSeconds);
  // The sampler's own state is checked by the sampler's restore, which throws a clear error.
  if (!isRecord(h.sampler)) bad('sampler', 'an object', h.sampler);
  checkBatches(h.batches, bad);
  if (h.split !== undefined) checkSplit(h.split, h.step as number, bad);
  return h as unknown as CheckpointHeader;
}

/**
 * The few-shot split's record: its shape here; whether its decision and groups fit the
 * space is checked where the space is known (FewShotSplit.of).
 */
function checkSplit(
  sp: unknown,
  step: number,
  bad: (field: string, want: string, got: unknown) => never,
): void {
  if (!isRecord(sp)) return bad('split', 'an object', sp);
  if (!isWhole(sp.step) || sp.step > step)
    bad('split.step', `a whole number of at most step (${step})`, sp.step);
  if (typeof sp.decision !== 'string') bad('split.decision', 'a string', sp.decision);
  const { groups, optimizerSteps } = sp;
  const isGroup = (g: unknown) =>
    Array.isArray(g) && g.length > 0 && g.every((c) => typeof c === 'number' && Number.isFinite(c));
  if (!Array.isArray(groups) || groups.length < 2 || !groups.every(isGroup))
    bad('split.groups', 'a list of at least 2 non-empty lists of choices', groups);
  if (
    !Array.isArray(optimizerSteps) ||
    optimizerSteps.length !== (groups as unknown[]).length ||
    !optimizerSteps.every(isWhole)
  )
    bad('split.optimizerSteps', 'a whole number per group', optimizerSteps);
}

function checkBatches(
  b: unknown,
  bad: (field: string, want: string, got: unknown) => never,
): asserts b is BatchSamplerState {
  if (!isRecord(b)) return bad('batches', 'an object', b);
  if (b.mode !== 'shuffle' && b.mode !== 'importance' && b.mode !== 'pada')
    bad('batches.mode', "'shuffle', 'importance' or 'pada'", b.mode);
  for (const f of ['n', 'step', 'epoch', 'position'] as const)
    if (!isWhole(b[f])) bad(`batches.${f}`, 'a whole number', b[f]);
  for (const f of ['permutation', 'weights'] as const)
    if (b[f] !== null && typeof b[f] !== 'string') bad(`batches.${f}`, 'a string or null', b[f]);
  // Absent in checkpoints written before the pada mode: read as null.
  const { distribution, epochStart } = b;
  if (distribution != null && typeof distribution !== 'string')
    bad('batches.distribution', 'a string or null', distribution);
  if (epochStart != null && !(typeof epochStart === 'number' && epochStart >= 0 && epochStart <= 1))
    bad('batches.epochStart', 'a progress (0–1) or null', epochStart);
}
