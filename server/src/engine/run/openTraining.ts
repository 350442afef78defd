import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SupernetConfig } from '../../config/configSchema';
import type { StartCommand } from '#shared/protocol/engine';
import { RunError } from '../runError';
import type { CheckpointHeader } from '../train/trainer';
import { readCheckpoint, type Checkpoint } from './checkpoint';
import { RunFolder } from './runFolder';
import { checkedConfig, spaceKeyOf } from './runConfig';

/** The run a `start` command names, with its config, before any tensor exists. */
export interface OpenedRun {
  folder: RunFolder;
  /** The config file the run was started from (its data paths are relative to it). */
  configPath: string;
  config: SupernetConfig;
  /** The checkpoint to continue from, when resuming. */
  resumeFrom?: Checkpoint<CheckpointHeader>;
  /** When the run was first started. */
  created: string;
}

/**
 * A new run (its folder created, the config copied in) or a resumed one (its folder's
 * copy of the config, its checkpoint read and matched against the space).
 */
export function openTraining(cmd: StartCommand, now: number): OpenedRun {
  return cmd.resume ? openResumed(cmd.runsDir, cmd.resume, cmd.configPath) : openNew(cmd, now);
}

function openNew(cmd: StartCommand, now: number): OpenedRun {
  const configPath = path.resolve(cmd.configPath);
  if (!existsSync(configPath)) throw new RunError(`Config not found: ${configPath}`);
  const text = readFileSync(configPath, 'utf8');
  const config = checkedConfig(configPath, text);
  const name = config.name ?? path.basename(configPath).replace(/\.supernet\.ya?ml$/, '');
  const folder = RunFolder.create(cmd.runsDir, name);
  writeFileSync(folder.configFile, text);
  return { folder, configPath, config, created: new Date(now).toISOString() };
}

function openResumed(runsDir: string, runId: string, fallbackConfig: string): OpenedRun {
  const folder = RunFolder.open(runsDir, runId);
  if (!existsSync(folder.checkpointFile))
    throw new RunError(
      `Run ${folder.id} has no checkpoint (${folder.checkpointFile}): it cannot be resumed.`,
    );
  const meta = folder.readMeta();
  const configPath = meta?.configPath ?? fallbackConfig;
  const config = checkedConfig(configPath, readFileSync(folder.configFile, 'utf8'));
  const resumeFrom = readCheckpoint<CheckpointHeader>(folder.checkpointFile);
  if (resumeFrom.header.spaceKey !== spaceKeyOf(config))
    throw new RunError(
      `The checkpoint of run ${folder.id} does not match its config's search space.`,
    );
  return {
    folder,
    configPath,
    config,
    resumeFrom,
    created: meta?.created ?? new Date().toISOString(),
  };
}
