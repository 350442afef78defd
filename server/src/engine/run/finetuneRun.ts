import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { archKey, parseArchKey, type Arch } from '#shared/arch';
import { FINETUNE_DEFAULTS, type FinetuneCommand } from '#shared/protocol/engine';
import type { FinetunePaths } from '#shared/runFolder/layout';
import type { FinetuneResult } from '#shared/runFolder/records';
import { acquireLock, lockHeld, parseLock } from '#shared/runFolder/runLock';
import type { SupernetConfig } from '../../config/configSchema';
import { archInSpace, largestArch } from '../../space/arch';
import type { TrainingData } from '../data/batches';
import { loadTrainingData } from '../data/trainingData';
import { engineThreads } from '../threads/engineThreads';
import { RunError } from '../runError';
import {
  readFinetuneCheckpoint,
  readFinetuneResult,
  type FinetuneHeader,
} from './finetuneCheckpoint';
import { loadRunOnBackend, runConfigOf, type LoadedRun } from './loadRun';
import type { SelectedBackend } from '../backend/selectBackend';
import { RunFolder } from '../storage/runFolder';
import { SubnetTraining } from '../standalone/subnetTraining';
import { dropEventsAfter } from './trainingSession';
import {
  FinetuneSession,
  type FinetunePlan,
  type FinetuneRecipe,
  type FinetuneRunOptions,
} from './finetuneSession';

export type { FinetuneRunOptions };

/**
 * The recipe: SGD with momentum (the run's, else 0.9), the run's weight decay, batch size
 * and augmentation, a cosine schedule from `lr` to 0 without warm-up (the weights are
 * trained already), `epochs` long; the teacher is the supernet's largest subnet. A setting
 * the command leaves out is the `earlier` fine-tune's (one of these weights, not complete:
 * asked again, it resumes as it was started), else FINETUNE_DEFAULTS.
 */
export function finetuneRecipe(
  cmd: FinetuneCommand,
  config: SupernetConfig,
  earlier?: Pick<FinetuneHeader, 'epochs' | 'lr' | 'teacher'>,
): FinetuneRecipe {
  const epochs = cmd.epochs ?? earlier?.epochs ?? FINETUNE_DEFAULTS.epochs;
  const lr = cmd.lr ?? earlier?.lr ?? FINETUNE_DEFAULTS.lr;
  const distillation =
    cmd.distillation ?? (earlier ? earlier.teacher !== undefined : FINETUNE_DEFAULTS.distillation);
  const opt = config.train.optimizer;
  return {
    epochs,
    lr,
    teacher: distillation ? archKey(largestArch(config.space, config.task)) : undefined,
    train: {
      ...config.train,
      optimizer: {
        ...opt,
        type: 'sgd',
        lr,
        momentum: opt.type === 'sgd' ? opt.momentum : 0.9,
      },
      schedule: { ...config.train.schedule, type: 'cosine', warmupEpochs: 0, minLr: 0 },
    },
  };
}

/** The subnet a key names, checked against the run's space. */
function subnetOf(key: string, config: SupernetConfig, runId: string): Arch {
  const arch = parseArchKey(key);
  if (!arch)
    throw new RunError(
      `'${key}' is not a subnet key (e.g. ${archKey(largestArch(config.space, config.task))}).`,
    );
  if (!archInSpace(arch, config.space, config.task))
    throw new RunError(
      `Subnet ${key} is not in the search space of run ${runId}: nothing was fine-tuned.`,
    );
  return arch;
}

/** A run whose training is still going has no final weights yet: fine-tune it after. */
function refuseLiveTraining(folder: RunFolder): void {
  let text: string | undefined;
  try {
    text = readFileSync(folder.lockFile, 'utf8');
  } catch {
    return;
  }
  const holder = parseLock(text);
  if (holder && lockHeld(holder))
    throw new RunError(
      `Run ${folder.id} is still training (process ${holder.pid} on ${holder.host}, ${holder.job} since ${holder.since}): ` +
        'its weights are not final. Fine-tune one of its subnets once the training has ended, or stop it first.',
    );
}

/** Temp files of a fine-tune killed mid-write; its lock says none is writing now. */
function removeStaleTemps(dir: string): void {
  for (const name of readdirSync(dir))
    if (/^\..*\.\d+\.tmp$/.test(name)) unlinkSync(path.join(dir, name));
}

/**
 * Fine-tunes one subnet of a trained run (`supernet finetune`): its inherited weights (its
 * slice of the supernet's, batch norm recalibrated) trained alone on the run's training split
 * with the run's augmentation, by default with knowledge distillation from the supernet's
 * largest subnet, frozen (OFA's fine-tuning: soft targets plus the label loss), SGD with a
 * small cosine learning rate. Everything goes to `<run>/finetune/<key>/`: events, a checkpoint
 * a stopped fine-tune resumes from bit for bit, result.json once complete. The run's own
 * files are only read. A run still training, a key not in the space or a second fine-tune of
 * the same subnet are refused before anything is written.
 */
export async function finetuneRun(
  cmd: FinetuneCommand,
  opts: FinetuneRunOptions,
): Promise<FinetuneResult | 'cancelled'> {
  const folder = RunFolder.find(cmd.run, cmd.runsDir);
  refuseLiveTraining(folder);
  const { config } = runConfigOf(folder);
  const arch = subnetOf(cmd.key, config, folder.id);
  const paths = folder.finetuneOf(archKey(arch));
  mkdirSync(paths.dir, { recursive: true });
  const lock = acquireLock(paths.lockFile, 'finetune');
  if (!lock.ok) {
    const h = lock.holder;
    throw new RunError(
      `Subnet ${archKey(arch)} of run ${folder.id} is being fine-tuned by process ${h.pid} on ${h.host} (since ${h.since}): one fine-tune per subnet at a time.`,
    );
  }
  try {
    removeStaleTemps(paths.dir);
    const loaded = await loadRunOnBackend(folder);
    try {
      const { data } = await loadTrainingData(config, loaded.configPath, opts);
      // An unfinished fine-tune of these weights continues with its own settings, unless told others.
      const earlier = readFinetuneCheckpoint(paths)?.header;
      const resumable =
        earlier?.sourceSha256 === loaded.checkpointSha256 && earlier.step < earlier.totalSteps;
      const recipe = finetuneRecipe(cmd, config, resumable ? earlier : undefined);
      return await finetune(loaded, arch, paths, recipe, data, opts);
    } finally {
      loaded.net.dispose();
    }
  } finally {
    lock.release();
  }
}

function planFinetune(
  loaded: LoadedRun,
  arch: Arch,
  paths: FinetunePaths,
  recipe: FinetuneRecipe,
  trainImages: number,
): FinetunePlan {
  const key = archKey(arch);
  const stepsPerEpoch = Math.max(1, Math.floor(trainImages / recipe.train.batchSize));
  const totalSteps = Math.max(1, Math.round(recipe.epochs * stepsPerEpoch));
  const plan: FinetunePlan = { key, stepsPerEpoch, totalSteps, notes: [] };
  const previous = readFinetuneCheckpoint(paths);
  if (!previous) return plan;
  const h = previous.header;
  const matches =
    h.key === key &&
    h.sourceSha256 === loaded.checkpointSha256 &&
    h.epochs === recipe.epochs &&
    h.lr === recipe.lr &&
    h.teacher === recipe.teacher &&
    h.totalSteps === totalSteps;
  if (!matches) {
    plan.notes.push(
      `the earlier fine-tune of ${key} (${h.epochs} epochs, lr ${h.lr}, ` +
        `${h.teacher ? 'distilled' : 'no distillation'}, from step ${h.sourceStep} of the run) ` +
        'had other settings or weights: starting over from the inherited weights',
    );
    return plan;
  }
  const done = readFinetuneResult(paths);
  if (h.step >= totalSteps && done?.sourceSha256 === loaded.checkpointSha256)
    return { ...plan, done };
  const dropped = dropEventsAfter(paths.eventsFile, h.step);
  if (dropped) plan.notes.push(dropped);
  return { ...plan, resume: previous };
}

/** A completed fine-tune asked for again: its result, at once. */
function reportDone(
  key: string,
  done: FinetuneResult,
  paths: FinetunePaths,
  opts: FinetuneRunOptions,
): FinetuneResult {
  const now = opts.now ?? Date.now;
  opts.emit({
    type: 'log',
    time: now(),
    level: 'info',
    message: `${key} was fine-tuned with these settings already (${paths.resultFile}): nothing to do`,
  });
  opts.emit({
    type: 'finetune-end',
    time: now(),
    key,
    status: 'completed',
    step: done.steps,
    result: done,
    seconds: 0,
  });
  return done;
}

async function finetune(
  loaded: LoadedRun & { backend: SelectedBackend },
  arch: Arch,
  paths: FinetunePaths,
  recipe: FinetuneRecipe,
  data: TrainingData,
  opts: FinetuneRunOptions,
): Promise<FinetuneResult | 'cancelled'> {
  const plan = planFinetune(loaded, arch, paths, recipe, data.trainIndices.length);
  if (plan.done) return reportDone(plan.key, plan.done, paths, opts);
  const { config } = loaded;
  const teacherArch = recipe.teacher ? largestArch(config.space, config.task) : undefined;
  const training = await SubnetTraining.open(
    {
      config,
      // The subnet's weights: a copy of the (part of the) supernet holding it; only its
      // slice is read and trained.
      net: loaded.net.supernetOf(arch).copy(),
      arch,
      train: recipe.train,
      epochs: recipe.epochs,
      seed: config.train.seed,
      ...(teacherArch
        ? { teacher: { net: loaded.net.supernetOf(teacherArch), arch: teacherArch } }
        : {}),
      backend: loaded.backend.name,
      threads: engineThreads(),
    },
    data,
  );
  const session = new FinetuneSession(loaded, paths, recipe, plan, training, data, opts);
  try {
    await session.start();
    const status = await session.loop();
    return status === 'cancelled' ? session.cancelled() : session.finish();
  } catch (e) {
    session.fail(e as Error);
    throw e;
  } finally {
    session.close();
    await training.close();
  }
}
