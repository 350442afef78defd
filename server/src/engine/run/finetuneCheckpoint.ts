import { isRecord } from '#shared/schema/validate';
import { existsSync, readFileSync } from 'node:fs';
import { parseFinetuneResult, type FinetuneResult } from '#shared/runFolder/records';
import type { FinetunePaths } from '#shared/runFolder/layout';
import { RunError } from '../runError';
import { readCheckpoint, type ReadCheckpoint } from '../storage/checkpoint';
import type { SubnetTrainingState } from '../standalone/subnetTraining';

/**
 * A fine-tune's checkpoint header (`<run>/finetune/<key>/checkpoint.bin`): which weights it
 * started from and how it trains (a fine-tune asked with other settings, or of a run trained
 * further since, starts over), its inherited accuracy, and SubnetTraining's state.
 */
export interface FinetuneHeader extends SubnetTrainingState {
  version: 1;
  kind: 'finetune';
  runId: string;
  key: string;
  sourceStep: number;
  sourceSha256: string;
  epochs: number;
  lr: number;
  /** The frozen teacher's arch key; absent without distillation. */
  teacher?: string;
  inherited: { accuracy: number; loss: number };
  backend: string;
  elapsedSeconds: number;
}

const isWhole = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isRngState = (x: unknown): boolean =>
  Array.isArray(x) && x.length === 4 && x.every((w) => isWhole(w) && w <= 0xffffffff);

/** Every field of a fine-tune checkpoint's header checked, each error naming the file and the field. */
export function parseFinetuneHeader(file: string, raw: unknown): FinetuneHeader {
  const bad = (field: string, want: string, got: unknown): never => {
    const shown = JSON.stringify(got)?.slice(0, 40) ?? String(got);
    throw new RunError(
      `${file}: the fine-tune checkpoint's header field '${field}' must be ${want}; it is ${shown}. ` +
        'Remove the file to fine-tune this subnet from its inherited weights again.',
    );
  };
  if (!isRecord(raw)) return bad('header', 'an object', raw);
  const h = raw;
  if (h.version !== 1) bad('version', '1', h.version);
  if (h.kind !== 'finetune') bad('kind', "'finetune'", h.kind);
  for (const f of ['runId', 'key', 'sourceSha256', 'backend'] as const)
    if (typeof h[f] !== 'string') bad(f, 'a string', h[f]);
  for (const f of ['step', 'totalSteps', 'optimizerSteps', 'sourceStep'] as const)
    if (!isWhole(h[f])) bad(f, 'a whole number', h[f]);
  if ((h.step as number) > (h.totalSteps as number))
    bad('step', `at most totalSteps (${h.totalSteps as number})`, h.step);
  for (const f of ['epochs', 'lr', 'elapsedSeconds'] as const)
    if (!isNum(h[f]) || h[f] < 0) bad(f, 'a number ≥ 0', h[f]);
  if (h.teacher !== undefined && typeof h.teacher !== 'string')
    bad('teacher', 'an arch key', h.teacher);
  for (const f of ['dataRng', 'augmentRng'] as const)
    if (!isRngState(h[f])) bad(f, 'a list of 4 whole 32-bit numbers', h[f]);
  const inh = h.inherited;
  if (!isRecord(inh) || !isNum(inh.accuracy) || !isNum(inh.loss))
    bad('inherited', 'an accuracy and a loss', inh);
  // The batch sampler's restore checks its own state and names what is wrong.
  if (!isRecord(h.batches)) bad('batches', 'an object', h.batches);
  return h as unknown as FinetuneHeader;
}

/** The fine-tune's checkpoint, read and checked; undefined when there is none. */
export function readFinetuneCheckpoint(
  paths: FinetunePaths,
): ReadCheckpoint<FinetuneHeader> | undefined {
  if (!existsSync(paths.checkpointFile)) return undefined;
  const ck = readCheckpoint<unknown>(paths.checkpointFile);
  return { ...ck, header: parseFinetuneHeader(paths.checkpointFile, ck.header) };
}

/** The completed fine-tune's result.json; undefined when there is none or it is not one. */
export function readFinetuneResult(paths: FinetunePaths): FinetuneResult | undefined {
  try {
    return parseFinetuneResult(JSON.parse(readFileSync(paths.resultFile, 'utf8')));
  } catch {
    return undefined;
  }
}
