import { accuracyKindLabel, subnetAccuracies, type AccuracyKind } from '#shared/accuracyKinds';
import { readJsonLinesFile } from '#shared/runFolder/appendLog';
import { parseStandaloneRecord, type FinetuneResult } from '#shared/runFolder/records';
import type { RunFolder } from '../storage/runFolder';

/**
 * What an export's sidecar says about accuracy: which kind its `accuracy` is (the weights
 * exported: inherited or fine-tuned), and every accuracy the run has for the subnet, each
 * named (inherited, fine-tuned E ep, stand-alone E ep from ranking checks), with the
 * fine-tune's settings when its weights are the ones exported.
 */
export function exportedAccuracies(
  folder: RunFolder,
  key: string,
  o: {
    kind: Extract<AccuracyKind, 'inherited' | 'finetuned'>;
    exported: number;
    inherited: number;
    /** The subnet's fine-tune of these weights, when it has one. */
    finetune?: FinetuneResult;
    /** Whether the fine-tuned weights are the ones exported. */
    finetuneExported?: boolean;
  },
): object {
  const standalone = readJsonLinesFile(folder.standaloneFile, parseStandaloneRecord);
  const all = subnetAccuracies({
    key,
    inherited: o.inherited,
    ...(o.finetune ? { finetune: o.finetune } : {}),
    standalone,
  });
  // The exported weights' own figure is the one onnxruntime just measured.
  const mine = all.find((a) => a.kind === o.kind);
  if (mine) mine.accuracy = o.exported;
  const f = o.finetuneExported ? o.finetune : undefined;
  return {
    accuracyKind: o.kind,
    accuracyLabel: accuracyKindLabel({ kind: o.kind, ...(f ? { epochs: f.epochs } : {}) }),
    accuracies: all.map((a) => ({ ...a, label: accuracyKindLabel(a) })),
    ...(f
      ? {
          finetune: {
            epochs: f.epochs,
            steps: f.steps,
            lr: f.lr,
            teacher: f.teacher ?? null,
            seconds: f.seconds,
            sourceStep: f.sourceStep,
            inheritedAccuracy: f.inherited.accuracy,
          },
        }
      : {}),
  };
}
