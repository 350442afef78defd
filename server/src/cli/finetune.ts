import { labelledAccuracy } from '#shared/accuracyKinds';
import type { FinetuneCommand } from '#shared/protocol/engine';
import type { FinetuneResult } from '#shared/runFolder/records';
import { runCliJob, type CliIo } from './cliJob';
import { steadyEta, type Progress } from '#shared/format/eta';
import { formatDuration } from '#shared/format/units';
import { bar } from './progress';

export interface FinetuneCliOptions extends CliIo {
  command: FinetuneCommand;
}

/** `r20-…  inherited 77.33% → fine-tuned 1 ep 80.12% (+2.79 points)`: a fine-tune's result, every figure named. */
export function finetuneLine(r: FinetuneResult): string {
  const gain = 100 * (r.finetuned.accuracy - r.inherited.accuracy);
  return (
    `${r.key}  ${labelledAccuracy({ kind: 'inherited', accuracy: r.inherited.accuracy })} → ` +
    `${labelledAccuracy({ kind: 'finetuned', accuracy: r.finetuned.accuracy, epochs: r.epochs })} ` +
    `(${gain >= 0 ? '+' : ''}${gain.toFixed(2)} points)`
  );
}

/** Fine-tunes one subnet in an engine process and shows its progress; resolves to the exit code. */
export function finetuneCli(o: FinetuneCliOptions): Promise<number> {
  let total = 0;
  let stepsPerEpoch = 1;
  /** This job's first step: the ETA counts from it, past the warm-up and earlier steps of a resume. */
  let firstStep: Progress | undefined;
  return runCliJob(o.command, o, {
    name: 'finetune',
    interruptNote: 'stopping after this step and writing the fine-tune checkpoint',
    isEnd: (e) => e.type === 'finetune-end',
    show(e, say) {
      switch (e.type) {
        case 'finetune-start':
          total = e.totalSteps;
          stepsPerEpoch = e.stepsPerEpoch;
          firstStep = undefined;
          say.line(
            `${e.resumedFromStep !== undefined ? 'resuming the fine-tune' : 'fine-tuning'} of ${e.key} (run ${e.runId}) on ${e.backend}: ` +
              `${e.epochs} epoch(s), ${e.totalSteps} steps of ${e.batchSize}, SGD lr ${e.lr} cosine, ` +
              `${e.teacher ? `distilled from ${e.teacher} (frozen)` : 'no distillation'}` +
              `${e.resumedFromStep !== undefined ? `, from step ${e.resumedFromStep}` : ''}; ` +
              `${labelledAccuracy({ kind: 'inherited', accuracy: e.inherited.accuracy })}`,
          );
          say.line(`  folder: ${e.dir}`);
          break;
        case 'finetune-step': {
          firstStep ??= { done: e.step, time: Date.now() };
          const eta = steadyEta(firstStep, { done: e.step, time: Date.now() }, total);
          say.progress(
            `${bar(total ? e.step / total : 0)} ${e.step}/${total} loss ${e.loss.toFixed(3)}` +
              `${e.distillLoss !== undefined ? ` kd ${e.distillLoss.toFixed(3)}` : ''} ETA ${eta === undefined ? 'estimating…' : formatDuration(eta)}`,
          );
          break;
        }
        case 'finetune-epoch':
          say.line(
            `epoch ${e.epoch}: ${labelledAccuracy({ kind: 'finetuned', accuracy: e.accuracy, epochs: e.step / stepsPerEpoch })} (${e.seconds.toFixed(1)} s)`,
          );
          break;
        case 'finetune-end':
          if (e.status === 'completed' && e.result) {
            say.out(finetuneLine(e.result));
            say.line(
              `fine-tuned in ${formatDuration(e.result.seconds)}${e.result.teacher ? `, teacher ${e.result.teacher}` : ', no teacher'}; ` +
                `export it with: supernet export ${e.result.runId} ${e.key} --finetuned`,
            );
          } else
            say.error(
              e.message ?? e.status,
              `supernet finetune: ${e.status}${e.message ? `: ${e.message}` : ''}`,
            );
          break;
        default:
          break;
      }
    },
  });
}
