import {
  int,
  list,
  literal,
  num,
  obj,
  opaque,
  optional,
  str,
  type Infer,
} from '#shared/schema/dsl';
import { problemOf } from '#shared/schema/validate';
import { rngStateSchema } from '#shared/rng';
import { RunError } from '../runError';
import { batchSamplerStateSchema } from '../data/dataSampler';
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

const whole = (doc: string) => int(doc, { minimum: 0 });
/** A checkpoint's record of the few-shot split (FewShotSplit) and its parts' optimizers. */
export const checkpointSplitSchema = obj('The few-shot split.', {
  step: whole('The step it happened at.'),
  decision: str('The decision it split on.'),
  groups: list(
    "The choices of each sub-supernet's part.",
    list('One part’s choices.', num('A choice.'), { minItems: 1 }),
    { minItems: 2 },
  ),
  optimizerSteps: list(
    "Updates each sub-supernet's optimizer made (Adam's bias correction counts them).",
    whole('One part’s.'),
  ),
});
export type CheckpointSplit = Infer<typeof checkpointSplitSchema>;

/** The header of a training checkpoint: where the run is, and every random stream's state. */
export const checkpointHeaderSchema = obj("A training checkpoint's header.", {
  version: literal('Its format.', 1),
  runId: str('The run.'),
  step: whole('Steps done.'),
  totalSteps: whole('Steps the run trains for.'),
  spaceKey: str('The search space it was trained on (a resume on another is refused).'),
  backend: str('The backend that wrote it.'),
  samplerRng: rngStateSchema("The subnet sampler's random stream."),
  dataRng: rngStateSchema("The batch sampler's random stream."),
  augmentRng: optional(
    rngStateSchema('The augmentation stream (absent in checkpoints of runs without augmentation).'),
  ),
  sampler: opaque("The subnet sampler's own state (its restore checks it)."),
  batches: batchSamplerStateSchema,
  optimizerSteps: whole(
    "Updates of the parent's optimizer (after the split: its count at the split).",
  ),
  elapsedSeconds: num('Seconds of training so far, across resumes.', { minimum: 0 }),
  split: optional({
    ...checkpointSplitSchema,
    doc: "The few-shot split once it happened (absent before it, and in runs without one or written before it existed): the phase is 'split' when present. The tensors are then every sub-supernet's, each under its part's prefix (partTensorName).",
  }),
});
export type CheckpointHeader = Infer<typeof checkpointHeaderSchema>;

/**
 * The header, every field against the schema, then what one field says of another; a
 * problem names the file and the field.
 */
export function parseCheckpointHeader(file: string, raw: unknown): CheckpointHeader {
  const refuse = (problem: string): never => {
    throw new RunError(
      `${file}: the checkpoint's ${problem.replace(/^header\.(\S+)/, "header field '$1'")}. The checkpoint is not usable.`,
    );
  };
  const problem = problemOf(checkpointHeaderSchema, raw, 'header');
  if (problem) return refuse(problem);
  const h = raw as CheckpointHeader;
  if (h.step > h.totalSteps) refuse(`header.step must be at most totalSteps (${h.totalSteps})`);
  if (h.split) {
    if (h.split.step > h.step) refuse(`header.split.step must be at most step (${h.step})`);
    if (h.split.optimizerSteps.length !== h.split.groups.length)
      refuse('header.split.optimizerSteps must have a whole number per group');
  }
  return h;
}
