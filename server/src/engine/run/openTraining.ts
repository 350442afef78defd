import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { StartCommand } from '#shared/protocol/engine';
import { acquireLock } from '#shared/runFolder/runLock';
import type { SupernetConfig } from '../../config/configSchema';
import { RunError } from '../runError';
import type { CheckpointHeader } from '../train/trainer';
import type { Checkpoint } from '../storage/checkpoint';
import { readTrainingCheckpoint } from '../train/checkpointHeader';
import { runConfigOf } from './loadRun';
import { RunFolder } from '../storage/runFolder';
import { checkedConfig } from './runConfig';
import { spaceKeyOf } from '../../space/spaceKey';

/** A training run's config, checked, before any folder or tensor exists. */
export interface TrainingPlan {
  /** The config file the run was started from (its data paths are relative to it). */
  configPath: string;
  config: SupernetConfig;
  /** The config text a new run copies into its folder. */
  configText: string;
  /** When the run was first started. */
  created: string;
  /** A resumed run: its folder (locked), and the checkpoint to continue from. */
  resumed?: { folder: RunFolder; from: Checkpoint<CheckpointHeader>; release: () => void };
  /** Log lines to emit once the run's log is open (a recovered lock, an extended run). */
  notes: string[];
}

/** The run a training run writes: its folder, locked for this process. */
export interface OpenedRun extends TrainingPlan {
  folder: RunFolder;
  resumeFrom?: Checkpoint<CheckpointHeader>;
  release: () => void;
}

/** Reads and checks what a `start` command names: a config for a new run, or a run to resume. */
export function planTraining(cmd: StartCommand, now: number): TrainingPlan {
  if (cmd.resume) return planResume(cmd);
  const configPath = path.resolve(cmd.configPath);
  if (!existsSync(configPath)) throw new RunError(`Config not found: ${configPath}`);
  const configText = readFileSync(configPath, 'utf8');
  const config = checkedConfig(configPath, configText);
  return { configPath, config, configText, created: new Date(now).toISOString(), notes: [] };
}

/**
 * The run folder of a plan: a resumed run's own, or a new one created now (only once the
 * backend and the data are ready, so a run that cannot start leaves no folder behind).
 */
export function openRun(plan: TrainingPlan, runsDir: string): OpenedRun {
  if (plan.resumed) {
    const { folder, from, release } = plan.resumed;
    return { ...plan, folder, resumeFrom: from, release };
  }
  const name = plan.config.name ?? path.basename(plan.configPath).replace(/\.supernet\.ya?ml$/, '');
  const folder = RunFolder.create(runsDir, name);
  const release = lockRun(folder, 'train', plan.notes);
  writeFileSync(folder.configFile, plan.configText);
  return { ...plan, folder, release };
}

function lockRun(folder: RunFolder, job: string, notes: string[]): () => void {
  const lock = acquireLock(folder.lockFile, job);
  if (!lock.ok) {
    const h = lock.holder;
    throw new RunError(
      `Run ${folder.id} is being written by process ${h.pid} on ${h.host} (${h.job} since ${h.since}): one writer per run.`,
    );
  }
  if (lock.recovered)
    notes.push(
      `took over the lock of process ${lock.recovered.pid}, which is gone (it was interrupted)`,
    );
  return lock.release;
}

function planResume(cmd: StartCommand): TrainingPlan {
  const folder = RunFolder.open(cmd.runsDir, cmd.resume ?? '');
  if (!existsSync(folder.checkpointFile))
    throw new RunError(
      `Run ${folder.id} has no checkpoint (${folder.checkpointFile}): it cannot be resumed.`,
    );
  const notes: string[] = [];
  const release = lockRun(folder, 'resume', notes);
  try {
    removeStaleTemps(folder);
    const meta = folder.readMeta();
    const { config, configPath, configText } = runConfigOf(folder);
    const from = readTrainingCheckpoint(folder.checkpointFile);
    if (from.header.spaceKey !== spaceKeyOf(config))
      throw new RunError(
        `The checkpoint of run ${folder.id} does not match its config's search space.`,
      );
    const { step, totalSteps } = from.header;
    if (step >= totalSteps) {
      if (!cmd.steps || cmd.steps <= totalSteps)
        throw new RunError(
          `Run ${folder.id} is complete (step ${step} of ${totalSteps}): nothing to resume. ` +
            `To train it further, give a total beyond ${totalSteps} steps (--steps N).`,
        );
      notes.push(
        `extending the completed run from ${totalSteps} to ${cmd.steps} steps: the learning-rate schedule is recomputed over ${cmd.steps} steps`,
      );
    }
    return {
      configPath,
      config,
      configText,
      created: meta?.created ?? new Date().toISOString(),
      resumed: { folder, from, release },
      notes,
    };
  } catch (e) {
    release();
    throw e;
  }
}

/** Temp files of writers that were killed mid-write; the lock says none is writing now. */
function removeStaleTemps(folder: RunFolder): void {
  for (const dir of [folder.dir, path.dirname(folder.checkpointFile)]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir))
      if (/^\..*\.\d+\.tmp$/.test(name)) unlinkSync(path.join(dir, name));
  }
}
