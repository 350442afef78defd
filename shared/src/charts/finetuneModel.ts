import type {
  FinetuneEndEvent,
  FinetuneEpochEvent,
  FinetuneStartEvent,
  FinetuneStepEvent,
} from '../protocol/engine';
import type { FinetuneResult } from '../runFolder/records';
import { figure, list, nullableNum, obj, optional, record, str, type Infer } from '../schema/dsl';

/**
 * What the dashboard draws of a run's fine-tunes, one per subnet: its loss per step and its
 * accuracy per epoch (the Fine-tune tab), and its result (the fine-tuned point beside the
 * inherited one in the Pareto tab). Plain data, built from the fine-tunes' events and
 * result.json files, appended to live by the same functions.
 */
const values = (doc: string) => list(doc, figure('One.'));
const gaps = (doc: string) => list(doc, nullableNum('One; null where it had none.'));

/** One subnet's fine-tune as the dashboard draws it. */
export const finetuneCurveSchema = obj("A subnet's fine-tune.", {
  key: str("The subnet's arch key."),
  status: optional(str('How it ended.')),
  epochs: optional(figure('Epochs it trains for.')),
  totalSteps: optional(figure('Steps it trains for.')),
  stepsPerEpoch: optional(figure('Steps of one epoch.')),
  lr: optional(figure('Peak learning rate.')),
  teacher: optional(str("The frozen teacher's arch key.")),
  inherited: optional(figure('The inherited accuracy it started from.')),
  steps: obj('Per step.', {
    step: values('The steps.'),
    loss: gaps('Cross-entropy.'),
    distill: gaps('KL to the teacher.'),
  }),
  accuracy: obj('Per epoch.', {
    epoch: values('The epochs.'),
    step: values('Their steps.'),
    accuracy: values('Fine-tuned accuracy.'),
  }),
  result: optional(
    obj("The completed fine-tune's figures.", {
      accuracy: figure('Fine-tuned accuracy.'),
      inherited: figure('Inherited accuracy.'),
      epochs: figure('Epochs.'),
      seconds: figure('Seconds.'),
    }),
  ),
});
export type FinetuneCurve = Infer<typeof finetuneCurveSchema>;

export const finetuneStateSchema = obj("A run's fine-tunes.", {
  byKey: record('Fine-tunes by subnet key.', finetuneCurveSchema),
  latest: optional(str('The subnet whose fine-tune was seen last: the tab shows it first.')),
});
export type FinetuneState = Infer<typeof finetuneStateSchema>;

export const emptyFinetunes = (): FinetuneState => ({ byKey: {} });

const finite = (x: unknown): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? x : null;

function curveOf(state: FinetuneState, key: string): FinetuneCurve {
  state.latest = key;
  return (state.byKey[key] ??= {
    key,
    steps: { step: [], loss: [], distill: [] },
    accuracy: { epoch: [], step: [], accuracy: [] },
  });
}

/** Drops entries from the first whose step is ≥ `step` (a resumed fine-tune replays them). */
function cutFrom(steps: number[], step: number, arrays: unknown[][]): void {
  let cut = steps.length;
  while (cut > 0 && steps[cut - 1] >= step) cut--;
  for (const a of arrays) a.length = Math.min(a.length, cut);
}

export function addFinetuneStart(state: FinetuneState, e: FinetuneStartEvent): void {
  const c = curveOf(state, e.key);
  c.status = 'running';
  c.epochs = e.epochs;
  c.totalSteps = e.totalSteps;
  c.stepsPerEpoch = e.stepsPerEpoch;
  c.lr = e.lr;
  if (e.teacher) c.teacher = e.teacher;
  else delete c.teacher;
  c.inherited = e.inherited.accuracy;
  // A fine-tune started over (other settings) has a new history; a resumed one keeps its own.
  const from = e.resumedFromStep ?? 0;
  cutFrom(c.steps.step, from + 1, [c.steps.step, c.steps.loss, c.steps.distill]);
  cutFrom(c.accuracy.step, from + 1, [c.accuracy.epoch, c.accuracy.step, c.accuracy.accuracy]);
  if (from === 0) delete c.result;
}

export function addFinetuneStep(state: FinetuneState, e: FinetuneStepEvent): void {
  const c = curveOf(state, e.key);
  const s = c.steps;
  cutFrom(s.step, e.step, [s.step, s.loss, s.distill]);
  s.step.push(e.step);
  s.loss.push(finite(e.loss));
  s.distill.push(finite(e.distillLoss));
}

export function addFinetuneEpoch(state: FinetuneState, e: FinetuneEpochEvent): void {
  const a = curveOf(state, e.key).accuracy;
  cutFrom(a.step, e.step, [a.epoch, a.step, a.accuracy]);
  a.epoch.push(e.epoch);
  a.step.push(e.step);
  a.accuracy.push(finite(e.accuracy) ?? 0);
}

export function addFinetuneEnd(state: FinetuneState, e: FinetuneEndEvent): void {
  const c = curveOf(state, e.key);
  c.status = e.status;
  if (e.result) applyFinetuneResult(state, e.result);
}

/** A completed fine-tune's result.json (or its end event's copy). */
export function applyFinetuneResult(state: FinetuneState, r: FinetuneResult): void {
  const c = (state.byKey[r.key] ??= {
    key: r.key,
    steps: { step: [], loss: [], distill: [] },
    accuracy: { epoch: [], step: [], accuracy: [] },
  });
  state.latest ??= r.key;
  c.status ??= 'completed';
  c.inherited ??= r.inherited.accuracy;
  c.epochs ??= r.epochs;
  if (r.teacher) c.teacher ??= r.teacher;
  c.result = {
    accuracy: r.finetuned.accuracy,
    inherited: r.inherited.accuracy,
    epochs: r.epochs,
    seconds: r.seconds,
  };
}
