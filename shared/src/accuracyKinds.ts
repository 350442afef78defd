import type { FinetuneResult, StandaloneRecord } from './runFolder/records';

/**
 * The three kinds of accuracy a subnet can have, and how every view names them. All are top-1 on the run's validation split, batch norm
 * recalibrated on the same training images (README, "Three kinds of accuracy"):
 *  - inherited: with the weights it inherits from the supernet, untrained on its own
 *    (what search, the Pareto chart and candidates.jsonl hold);
 *  - fine-tuned: those weights after E epochs of training the subnet alone (`supernet
 *    finetune`, `<run>/finetune/<key>/result.json`): what an export of them ships;
 *  - stand-alone: the subnet trained from scratch for E epochs (a ranking check's
 *    standalone.jsonl, or a benchmark table): the reference rankings are judged against.
 */
export type AccuracyKind = 'inherited' | 'finetuned' | 'standalone';

export const ACCURACY_KIND_WORD: Record<AccuracyKind, string> = {
  inherited: 'inherited',
  finetuned: 'fine-tuned',
  standalone: 'stand-alone',
};

/** One accuracy with its kind (and, for the trained kinds, how many epochs it took). */
export interface LabelledAccuracy {
  kind: AccuracyKind;
  accuracy: number;
  epochs?: number;
}

const epochsWord = (e: number): string => `${Number(e.toPrecision(3))} ep`;

/** `inherited`, `fine-tuned 3 ep`, `stand-alone 1 ep`: the name a view writes before the figure. */
export function accuracyKindLabel(a: Pick<LabelledAccuracy, 'kind' | 'epochs'>): string {
  const word = ACCURACY_KIND_WORD[a.kind];
  return a.kind === 'inherited' || a.epochs === undefined
    ? word
    : `${word} ${epochsWord(a.epochs)}`;
}

/** `fine-tuned 3 ep 87.10%`: the figure with its kind, as lines of text write it. */
export function labelledAccuracy(a: LabelledAccuracy, digits = 2): string {
  return `${accuracyKindLabel(a)} ${(100 * a.accuracy).toFixed(digits)}%`;
}

/**
 * How much a kind's weights were trained for this subnet on their own, for choosing the
 * figure a subnet shows: fine-tuned weights are the ones an export ships, so they come
 * first; a stand-alone training (from scratch) beats the untrained inherited weights; among
 * figures of one kind, more epochs win.
 */
const TRAINED_RANK: Record<AccuracyKind, number> = { inherited: 0, standalone: 1, finetuned: 2 };

/** The best-trained figure among a subnet's accuracies (the tree's and the chart's headline). */
export function bestTrained(all: readonly LabelledAccuracy[]): LabelledAccuracy | undefined {
  let best: LabelledAccuracy | undefined;
  for (const a of all) {
    if (!best) best = a;
    else {
      const d = TRAINED_RANK[a.kind] - TRAINED_RANK[best.kind];
      if (d > 0 || (d === 0 && (a.epochs ?? 0) > (best.epochs ?? 0))) best = a;
    }
  }
  return best;
}

/**
 * Every accuracy a run folder holds for one subnet, labelled: inherited from its evaluation
 * on the current weights (candidates.jsonl), fine-tuned from its completed fine-tune, and
 * stand-alone from each ranking-check training of it (one per epochs count).
 */
export function subnetAccuracies(o: {
  inherited?: number;
  finetune?: Pick<FinetuneResult, 'epochs' | 'finetuned'>;
  standalone?: readonly Pick<StandaloneRecord, 'key' | 'epochs' | 'accuracy'>[];
  key: string;
}): LabelledAccuracy[] {
  const out: LabelledAccuracy[] = [];
  if (o.inherited !== undefined) out.push({ kind: 'inherited', accuracy: o.inherited });
  const byEpochs = new Map<number, number>();
  for (const s of o.standalone ?? []) if (s.key === o.key) byEpochs.set(s.epochs, s.accuracy);
  for (const [epochs, accuracy] of [...byEpochs].sort((a, b) => a[0] - b[0]))
    out.push({ kind: 'standalone', accuracy, epochs });
  if (o.finetune)
    out.push({
      kind: 'finetuned',
      accuracy: o.finetune.finetuned.accuracy,
      epochs: o.finetune.epochs,
    });
  return out;
}
