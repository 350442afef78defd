import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { RunSummary } from '../runFolder/runSummary';
import { engineEventSchema, precisionSchema, type EngineEvent } from './engine';
import {
  bool,
  int,
  list,
  nullableNum,
  nullableStr,
  num,
  obj,
  oneOf,
  optional,
  str,
  type Fields,
  type Infer,
  type ObjectSchema,
} from '../schema/dsl';
import { problemOf } from '../schema/validate';

const text = (doc: string) => str(doc, { minLength: 1 });
const positiveWhole = (doc: string) => int(doc, { minimum: 1 });

/**
 * The custom LSP messages between the extension (client) and the language server, which
 * owns the engine processes. One engine process per job: a training run, a search, an
 * export or a ranking check. Each method is declared once, with its params' schema (their
 * type inferred from it) and result; the receiving end checks the params on arrival with
 * the `check*` function beside it, every field against the schema.
 */

/** Where runs live: the workspace's `supernet.runsFolder` resolved to an absolute path. */
const runsDir = text('The runs folder, absolute (the workspace’s `supernet.runsFolder`).');
const run = text(
  'A run id, a run folder, or (search) a config file (then its newest trained run).',
);
const key = text("The subnet's arch key.");

export const JOB_KINDS = ['train', 'search', 'export', 'rank', 'finetune', 'profile'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
const jobKind = oneOf('What the job does.', {
  train: 'Train a supernet (or resume one).',
  search: 'Search a trained run.',
  export: 'Export a subnet.',
  rank: 'A ranking check.',
  finetune: 'Fine-tune a subnet.',
  profile: "Time a space's layers on a device (its latency table).",
} satisfies Record<JobKind, string>);

/** The answer to every request that starts a job. */
export interface JobStarted {
  jobId: string;
  kind: JobKind;
}

export const trainParamsSchema = obj('supernet/train', {
  runsDir,
  configPath: text('Absolute path of the `*.supernet.yaml` file.'),
  steps: optional(
    positiveWhole("Stop after this many steps in total (default: the config's length)."),
  ),
  backend: optional(text('Backend override.')),
});
export type TrainParams = Infer<typeof trainParamsSchema>;
/** Client → server: train a config's supernet in a new run. */
export const TrainRequest = new RequestType<TrainParams, JobStarted, void>('supernet/train');

export const resumeParamsSchema = obj('supernet/resume', {
  runsDir,
  runId: text('The run.'),
  steps: optional(
    positiveWhole("A new total: only to train a completed run further (else the run's own total)."),
  ),
});
export type ResumeParams = Infer<typeof resumeParamsSchema>;
/** Client → server: continue a stopped, failed or interrupted run from its checkpoint. */
export const ResumeRequest = new RequestType<ResumeParams, JobStarted, void>('supernet/resume');

export const searchParamsSchema = obj('supernet/search', {
  runsDir,
  run,
  algorithm: optional(oneOf('The algorithm.', { nsga2: 'NSGA-II.', random: 'Random search.' })),
  budget: optional(positiveWhole('Most subnets to evaluate.')),
  seed: optional(int('The seed.', { minimum: 0 })),
  predictor: optional(
    oneOf('Override of the config’s `search.predictor`.', {
      none: 'Plain NSGA-II.',
      linas: 'Predictor-assisted NSGA-II.',
    }),
  ),
});
export type SearchParams = Infer<typeof searchParamsSchema>;
/** Client → server: search a trained run for its Pareto front. */
export const SearchRequest = new RequestType<SearchParams, JobStarted, void>('supernet/search');

export const exportParamsSchema = obj('supernet/export', {
  runsDir,
  run,
  key,
  file: optional(
    text(
      'Output file; default `<run>/exports/<key>.onnx` (`.finetuned` with `finetuned`, `.int8` for int8 before `.onnx`).',
    ),
  ),
  precision: optional(precisionSchema),
  finetuned: optional(bool("Export the weights of the subnet's completed fine-tune.")),
});
export type ExportParams = Infer<typeof exportParamsSchema>;
/** Client → server: export one subnet of a run as a verified ONNX model. */
export const ExportRequest = new RequestType<ExportParams, JobStarted, void>('supernet/export');

export const finetuneParamsSchema = obj('supernet/finetune', {
  runsDir,
  run,
  key,
  epochs: optional(
    num("Epochs of fine-tuning (default: the engine's FINETUNE_DEFAULTS).", {
      exclusiveMinimum: 0,
      maximum: 1000,
    }),
  ),
});
export type FinetuneParams = Infer<typeof finetuneParamsSchema>;
/** Client → server: fine-tune one subnet of a run from its inherited weights. */
export const FinetuneRequest = new RequestType<FinetuneParams, JobStarted, void>(
  'supernet/finetune',
);

export const rankParamsSchema = obj('supernet/rank', {
  runsDir,
  run,
  subnets: optional(int('Subnets to train alone (K).', { minimum: 2 })),
  epochs: optional(num('Epochs of each stand-alone training.', { exclusiveMinimum: 0 })),
  seed: optional(int('The seed.', { minimum: 0 })),
});
export type RankParams = Infer<typeof rankParamsSchema>;
/** Client → server: check how well the run's supernet ranks subnets. */
export const RankRequest = new RequestType<RankParams, JobStarted, void>('supernet/rank');

export const cancelParamsSchema = obj('supernet/cancel', { jobId: text('The job.') });
export type CancelParams = Infer<typeof cancelParamsSchema>;
/** The answer to cancel: false when no such job was running (it may have just ended). */
export interface CancelResult {
  cancelled: boolean;
}
/** Client → server: ask a job to stop (training writes a checkpoint first). */
export const CancelRequest = new RequestType<CancelParams, CancelResult, void>('supernet/cancel');

export const runsParamsSchema = obj('supernet/runs', { runsDir });
export type RunsParams = Infer<typeof runsParamsSchema>;
export interface RunsResult {
  runs: RunSummary[];
}
/** Client → server: the runs of a runs folder, as the server's jobs know them. */
export const RunsRequest = new RequestType<RunsParams, RunsResult, void>('supernet/runs');

/** How a job ended when its engine process exited. */
const jobExitSchema = obj('How the job ended.', {
  status: oneOf('Its status.', { completed: 'Done.', cancelled: 'Stopped.', failed: 'Failed.' }),
  exitCode: nullableNum('The exit code; null when a signal ended it.'),
  signal: nullableStr('The signal that ended it, or null.'),
  message: optional(
    str('Set when the engine crashed (exit without an end event, or a non-zero exit).'),
  ),
  stderrTail: list("The engine's last stderr lines.", str('A line.')),
});
export type JobExit = Infer<typeof jobExitSchema>;

/** `supernet/event`: an engine event of a job, or (with `exit`) the job's end. */
export interface EventParams {
  jobId: string;
  kind: JobKind;
  /** The run the job belongs to, once known. */
  runId?: string;
  event?: EngineEvent;
  exit?: JobExit;
}
/** Server → client: one engine event of a job, or the job's end. */
export const EventNotification = new NotificationType<EventParams>('supernet/event');

/** A request's parameters as its schema says, or why not (the method and the field named). */
const checker =
  <F extends Fields>(schema: ObjectSchema<F>) =>
  (x: unknown): string | undefined =>
    problemOf(schema, x, schema.doc);

export const checkTrainParams = checker(trainParamsSchema);
export const checkResumeParams = checker(resumeParamsSchema);
export const checkSearchParams = checker(searchParamsSchema);
export const checkExportParams = checker(exportParamsSchema);
export const checkFinetuneParams = checker(finetuneParamsSchema);
export const checkRankParams = checker(rankParamsSchema);
export const checkCancelParams = checker(cancelParamsSchema);
export const checkRunsParams = checker(runsParamsSchema);

const eventParamsSchema = obj('supernet/event', {
  jobId: text('The job.'),
  kind: jobKind,
  runId: optional(str('The run the job belongs to, once known.')),
  event: optional(engineEventSchema),
  exit: optional(jobExitSchema),
});

/** Checks a `supernet/event` notification on arrival; returns why it is refused, or undefined. */
export function checkEventParams(x: unknown): string | undefined {
  const problem = problemOf(eventParamsSchema, x, 'supernet/event');
  if (problem) return problem;
  const n = x as { event?: unknown; exit?: unknown };
  if (n.event === undefined && n.exit === undefined)
    return 'supernet/event needs an `event` or an `exit`';
  return undefined;
}
