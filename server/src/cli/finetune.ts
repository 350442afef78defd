import type { FinetuneCommand } from '#shared/protocol/engine';
import { runCliJob, type CliIo } from './cliJob';

export interface FinetuneCliOptions extends CliIo {
  command: FinetuneCommand;
}

/** Fine-tunes one subnet in an engine process and shows its progress; resolves to the exit code. */
export function finetuneCli(o: FinetuneCliOptions): Promise<number> {
  return runCliJob(o.command, o, {
    name: 'finetune',
    kind: 'finetune',
    title: o.command.key,
    interruptNote: 'stopping after this step and writing the fine-tune checkpoint',
    isEnd: (e) => e.type === 'finetune-end',
    after: (e) =>
      e.type === 'finetune-end' && e.status === 'completed' && e.result
        ? `export it with: supernet export ${e.result.runId} ${e.key} --finetuned`
        : undefined,
  });
}
