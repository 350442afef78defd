import { int, literal, num, obj, optional, str, type Infer } from '#shared/schema/dsl';
import { problemOf } from '#shared/schema/validate';
import { existsSync, readFileSync } from 'node:fs';
import { parseFinetuneResult, type FinetuneResult } from '#shared/runFolder/records';
import type { FinetunePaths } from '#shared/runFolder/layout';
import { RunError } from '../runError';
import { readCheckpoint, type ReadCheckpoint } from '../storage/checkpoint';
import { subnetTrainingStateFields } from '../standalone/subnetTraining';

/**
 * A fine-tune's checkpoint header (`<run>/finetune/<key>/checkpoint.bin`): which weights it
 * started from and how it trains (a fine-tune asked with other settings, or of a run trained
 * further since, starts over), its inherited accuracy, and SubnetTraining's state.
 */
export const finetuneHeaderSchema = obj("A fine-tune checkpoint's header.", {
  version: literal('Its format.', 1),
  kind: literal('What it is.', 'finetune'),
  runId: str('The run.'),
  key: str("The subnet's arch key."),
  sourceStep: int("The run checkpoint's step the weights came from.", { minimum: 0 }),
  sourceSha256: str("That checkpoint's SHA-256 of its tensors."),
  epochs: num('Epochs it trains for.', { minimum: 0 }),
  lr: num('Peak learning rate.', { minimum: 0 }),
  teacher: optional(str("The frozen teacher's arch key; absent without distillation.")),
  inherited: obj('The inherited weights’ figures.', {
    accuracy: num('Validation accuracy (0–1).'),
    loss: num('Validation loss.'),
  }),
  backend: str('The backend that wrote it.'),
  elapsedSeconds: num('Seconds of fine-tuning so far, across resumes.', { minimum: 0 }),
  ...subnetTrainingStateFields,
});
export type FinetuneHeader = Infer<typeof finetuneHeaderSchema>;

/**
 * Every field of a fine-tune checkpoint's header checked against the schema, then what one
 * field says of another; each error names the file and the field.
 */
export function parseFinetuneHeader(file: string, raw: unknown): FinetuneHeader {
  const refuse = (problem: string): never => {
    throw new RunError(
      `${file}: the fine-tune checkpoint's ${problem.replace(/^header\.(\S+)/, "header field '$1'")}. ` +
        'Remove the file to fine-tune this subnet from its inherited weights again.',
    );
  };
  const problem = problemOf(finetuneHeaderSchema, raw, 'header');
  if (problem) return refuse(problem);
  const h = raw as FinetuneHeader;
  if (h.step > h.totalSteps) refuse(`header.step must be at most totalSteps (${h.totalSteps})`);
  return h;
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
