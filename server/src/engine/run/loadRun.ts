import { existsSync, readFileSync } from 'node:fs';
import { RUN_FILES } from '#shared/runFolder/layout';
import { RUN_FORMAT } from '#shared/runFolder/records';
import type { SupernetConfig } from '../../config/configSchema';
import {
  selectBackend,
  type BackendPreference,
  type SelectedBackend,
} from '../backend/selectBackend';
import type { SharedWeights } from '../model/sharedWeights';
import { Supernet } from '../model/supernet';
import { Rng } from '#shared/rng';
import { RunError } from '../runError';
import { spaceDecisions } from '../../space/decisions';
import { FewShotSplit, SplitSupernet, partTensorName } from '../train/fewShotSplit';
import { restoreTensors, type CheckpointHeader } from '../train/trainer';
import type { TensorRecord } from '../storage/checkpoint';
import { readTrainingCheckpoint } from '../train/checkpointHeader';
import type { RunFolder } from '../storage/runFolder';
import { checkedConfig } from './runConfig';
import { spaceKeyOf } from '../../space/spaceKey';

export interface LoadedRun {
  folder: RunFolder;
  config: SupernetConfig;
  /** The config file the run was started from (its data paths are relative to it). */
  configPath: string;
  /**
   * The weights a subnet is scored and exported with: the supernet, or after a few-shot split
   * the sub-supernet whose part holds the subnet.
   */
  net: SharedWeights;
  step: number;
  /** SHA-256 of the checkpoint's tensor data: queue workers check they load the same weights. */
  checkpointSha256: string;
}

/**
 * A run's config: its copy in the run folder, checked as the original file it was started
 * from (its data paths are relative to that).
 */
export function runConfigOf(folder: RunFolder): {
  config: SupernetConfig;
  configPath: string;
  configText: string;
} {
  if (!existsSync(folder.configFile))
    throw new RunError(`${folder.dir} is not a run folder: it has no ${RUN_FILES.config}.`);
  const meta = folder.readMeta();
  if ((meta?.format ?? 1) > RUN_FORMAT)
    throw new RunError(
      `Run ${folder.id} was written by a newer Supernet Studio (run folder format ${meta?.format}); ` +
        `this version reads formats up to ${RUN_FORMAT}. Update Supernet Studio to open it.`,
    );
  const configPath = meta?.configPath ?? folder.configFile;
  const configText = readFileSync(folder.configFile, 'utf8');
  return {
    config: checkedConfig(configPath, configText, folder.configFile),
    configPath,
    configText,
  };
}

/**
 * A run's supernet with the weights of its last checkpoint; for a run split by few-shot NAS,
 * its sub-supernets (optimizer slots are not loaded: nothing here trains).
 */
export function loadRun(folder: RunFolder): LoadedRun {
  const { config, configPath } = runConfigOf(folder);
  if (!existsSync(folder.checkpointFile)) {
    throw new RunError(
      `Run ${folder.id} has no checkpoint (${folder.checkpointFile}): train it first.`,
    );
  }
  const ck = readTrainingCheckpoint(folder.checkpointFile);
  if (ck.header.spaceKey !== spaceKeyOf(config)) {
    throw new RunError(
      `The checkpoint of run ${folder.id} does not match its config's search space.`,
    );
  }
  const net = weightsOf(config, ck.header, ck.tensors, `The checkpoint of run ${folder.id}`);
  return { folder, config, configPath, net, step: ck.header.step, checkpointSha256: ck.sha256 };
}

/** The supernet, or the split's sub-supernets, of a checkpoint's header and tensors. */
function weightsOf(
  config: SupernetConfig,
  header: CheckpointHeader,
  tensors: TensorRecord[],
  what: string,
): SharedWeights {
  const split = header.split
    ? FewShotSplit.of(header.split, spaceDecisions(config.space, config.task), what)
    : undefined;
  const parts: Supernet[] = [];
  try {
    for (let k = 0; k < (split?.parts ?? 1); k++) {
      const net = new Supernet(config.space, config.task, new Rng(0), {
        kernelTransform: config.train.kernelTransform,
        zeroInitResidual: config.train.zeroInitResidual,
      });
      parts.push(net);
      const named = net.namedVariables();
      restoreTensors(
        tensors,
        split ? named.map(([name, v]) => [partTensorName(k, name), v]) : named,
        what,
      );
    }
  } catch (e) {
    for (const p of parts) p.dispose();
    throw e;
  }
  return split ? new SplitSupernet(split, parts) : parts[0];
}

/** `loadRun` on the backend the run's config asks for, started before any tensor exists. */
export async function loadRunOnBackend(
  folder: RunFolder,
): Promise<LoadedRun & { backend: SelectedBackend }> {
  const { config } = runConfigOf(folder);
  const backend = await selectBackend(config.train.backend as BackendPreference);
  return { ...loadRun(folder), backend };
}
