import { archKey, type Arch } from '#shared/arch';
import type { FinetuneResult } from '#shared/runFolder/records';
import type { Supernet } from '../model/supernet';
import { RunError } from '../runError';
import { restoreTensors } from '../train/trainer';
import { readFinetuneCheckpoint, readFinetuneResult } from './finetuneCheckpoint';
import type { LoadedRun } from './loadRun';
import { subnetVariables } from '../standalone/subnetTraining';

/**
 * The weights of a subnet's completed fine-tune: a copy of the run's supernet (the part
 * holding the subnet) with the subnet's variables replaced by the fine-tune's final ones,
 * and the fine-tune's result. Refused, naming why, when the subnet has no completed
 * fine-tune, or when its fine-tune started from weights the run no longer has.
 */
export function finetunedWeights(
  loaded: LoadedRun,
  arch: Arch,
): { net: Supernet; result: FinetuneResult } {
  const key = archKey(arch);
  const paths = loaded.folder.finetuneOf(key);
  const result = readFinetuneResult(paths);
  const ck = readFinetuneCheckpoint(paths);
  const hint = `fine-tune it first: supernet finetune ${loaded.folder.id} ${key}`;
  if (!result || !ck)
    throw new RunError(
      `Subnet ${key} of run ${loaded.folder.id} has no completed fine-tune: ${hint}.`,
    );
  const h = ck.header;
  if (h.step < h.totalSteps || h.sourceSha256 !== result.sourceSha256 || h.epochs !== result.epochs)
    throw new RunError(
      `The fine-tune of ${key} in ${paths.dir} is not complete (step ${h.step} of ${h.totalSteps}): resume it first (supernet finetune ${loaded.folder.id} ${key}).`,
    );
  if (result.sourceSha256 !== loaded.checkpointSha256)
    throw new RunError(
      `The fine-tune of ${key} started from the weights of step ${result.sourceStep}; run ${loaded.folder.id} has been trained further since (step ${loaded.step}): ${hint} again.`,
    );
  const net = loaded.net.supernetOf(arch).copy();
  try {
    const mine = subnetVariables(net, arch);
    restoreTensors(
      ck.tensors,
      net.namedVariables().filter(([, v]) => mine.has(v)),
      `The fine-tune checkpoint ${paths.checkpointFile}`,
    );
  } catch (e) {
    net.dispose();
    throw e;
  }
  return { net, result };
}
