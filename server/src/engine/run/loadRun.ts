import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SupernetConfig } from '../../config/configSchema';
import {
  selectBackend,
  type BackendPreference,
  type SelectedBackend,
} from '../backend/selectBackend';
import { Supernet } from '../model/supernet';
import { Rng } from '../rng';
import { readCheckpoint } from './checkpoint';
import { RunFolder } from './runFolder';
import {
  checkedConfig,
  RunError,
  restoreTensors,
  spaceKeyOf,
  type CheckpointHeader,
} from './runInputs';

export interface LoadedRun {
  folder: RunFolder;
  config: SupernetConfig;
  /** The config file the run was started from (its data paths are relative to it). */
  configPath: string;
  net: Supernet;
  step: number;
}

/**
 * Resolves what the user named: a run id or folder, or a config file (then its newest
 * run with a checkpoint in `runsDir`).
 */
export function findRun(runOrConfig: string, runsDir: string): RunFolder {
  const asPath = path.resolve(runOrConfig);
  if (existsSync(asPath) && /\.supernet\.ya?ml$/.test(asPath)) {
    const runs = existsSync(runsDir)
      ? readdirSync(runsDir)
          .map((id) => new RunFolder(path.join(runsDir, id)))
          .filter((f) => f.readMeta()?.configPath === asPath && existsSync(f.checkpointFile))
          .sort((a, b) => (a.id < b.id ? 1 : -1))
      : [];
    if (!runs.length) {
      throw new RunError(
        `No trained run of ${asPath} in ${runsDir}: train it first (supernet train ${runOrConfig}).`,
      );
    }
    return runs[0];
  }
  if (existsSync(asPath) && existsSync(path.join(asPath, 'config.yaml')))
    return new RunFolder(asPath);
  return RunFolder.open(runsDir, runOrConfig);
}

/** A run's supernet with the weights of its last checkpoint. */
export function loadRun(folder: RunFolder): LoadedRun {
  if (!existsSync(folder.configFile))
    throw new RunError(`${folder.dir} is not a run folder: it has no config.yaml.`);
  if (!existsSync(folder.checkpointFile)) {
    throw new RunError(
      `Run ${folder.id} has no checkpoint (${folder.checkpointFile}): train it first.`,
    );
  }
  const configPath = folder.readMeta()?.configPath ?? folder.configFile;
  const config = checkedConfig(folder.configFile, readFileSync(folder.configFile, 'utf8'));
  const ck = readCheckpoint<CheckpointHeader>(folder.checkpointFile);
  if (ck.header.spaceKey !== spaceKeyOf(config)) {
    throw new RunError(
      `The checkpoint of run ${folder.id} does not match its config's search space.`,
    );
  }
  const net = new Supernet(config.space, config.task, new Rng(0));
  try {
    restoreTensors(ck.tensors, net.namedVariables(), `The checkpoint of run ${folder.id}`);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return { folder, config, configPath, net, step: ck.header.step };
}

/** `loadRun` on the backend the run's config asks for, started before any tensor exists. */
export async function loadRunOnBackend(
  folder: RunFolder,
): Promise<LoadedRun & { backend: SelectedBackend }> {
  if (!existsSync(folder.configFile))
    throw new RunError(`${folder.dir} is not a run folder: it has no config.yaml.`);
  const config = checkedConfig(folder.configFile, readFileSync(folder.configFile, 'utf8'));
  const backend = await selectBackend(config.train.backend as BackendPreference);
  return { ...loadRun(folder), backend };
}
