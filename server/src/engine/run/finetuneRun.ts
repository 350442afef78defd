import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { archKey, parseArchKey, type Arch } from '#shared/arch';
import {
  FINETUNE_DEFAULTS,
  type EngineEvent,
  type FinetuneCommand,
  type FinetuneEndEvent,
} from '#shared/protocol/engine';
import { AppendLog } from '#shared/runFolder/appendLog';
import { atomicWrite } from '#shared/runFolder/durable';
import type { FinetunePaths } from '#shared/runFolder/layout';
import type { FinetuneResult } from '#shared/runFolder/records';
import { acquireLock, lockHeld, parseLock } from '#shared/runFolder/runLock';
import type { SupernetConfig, TrainConfig } from '../../config/configSchema';
import { archInSpace, largestArch } from '../../space/arch';
import { subnetCost } from '../../space/facts';
import type { TrainingData } from '../data/batches';
import { loadTrainingData, type DataOptions } from '../data/trainingData';
import { evaluateSubnetOnnx } from '../evaluate/evaluateOnnx';
import { engineThreads } from '../parallel/engineThreads';
import { RunError } from '../runError';
import { writeCheckpoint } from './checkpoint';
import {
  readFinetuneCheckpoint,
  readFinetuneResult,
  type FinetuneHeader,
} from './finetuneCheckpoint';
import { loadRunOnBackend, runConfigOf, type LoadedRun } from './loadRun';
import type { SelectedBackend } from '../backend/selectBackend';
import type { ReadCheckpoint } from './checkpoint';
import { RunFolder } from './runFolder';
import { runCalibration } from './subnetEvaluator';
import { SubnetTraining } from './subnetTraining';
import { dropEventsAfter } from './trainingSession';

export interface FinetuneRunOptions extends DataOptions {
  emit: (e: EngineEvent) => void;
  /** Checked between steps: true stops the fine-tune (with a checkpoint) within one step. */
  shouldStop?: () => boolean;
  now?: () => number;
}

/** How a fine-tune trains: what its checkpoint must match to be continued. */
interface FinetuneRecipe {
  epochs: number;
  lr: number;
  /** The frozen teacher's arch key; undefined without distillation. */
  teacher: string | undefined;
  train: TrainConfig;
}

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

/** The fine-tune's plan: its length, and the checkpoint it continues (or the result it already has). */
interface FinetunePlan {
  key: string;
  stepsPerEpoch: number;
  totalSteps: number;
  resume?: ReadCheckpoint<FinetuneHeader>;
  /** A completed fine-tune with the same settings of the same weights: nothing to do. */
  done?: FinetuneResult;
  notes: string[];
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

/**
 * A fine-tune while it runs: where its events go (its events.jsonl and the driver), its
 * evaluations, and the writes that make it resumable (checkpoints) and its result.
 */
class FinetuneSession {
  private readonly log: AppendLog<EngineEvent>;
  private readonly now: () => number;
  private readonly t0: number;
  private elapsedBefore = 0;
  private inherited = { accuracy: 0, loss: 0 };
  private last = { accuracy: 0, loss: 0 };
  private readonly calibration: Int32Array[];

  constructor(
    private readonly loaded: LoadedRun & { backend: SelectedBackend },
    private readonly paths: FinetunePaths,
    private readonly recipe: FinetuneRecipe,
    private readonly plan: FinetunePlan,
    private readonly training: SubnetTraining,
    private readonly data: TrainingData,
    private readonly opts: FinetuneRunOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.t0 = this.now();
    this.calibration = runCalibration(loaded.config, data);
    this.log = new AppendLog<EngineEvent>(paths.eventsFile);
  }

  private get key(): string {
    return this.plan.key;
  }

  /** Seconds of fine-tuning so far, across resumes. */
  private get seconds(): number {
    return this.elapsedBefore + (this.now() - this.t0) / 1000;
  }

  private emit(e: EngineEvent): void {
    this.log.append(e);
    this.opts.emit(e);
  }

  /**
   * Batch norm recalibrated on the run's calibration images, then the validation split, in
   * onnxruntime on one thread as search scores subnets (SubnetScorer) and export checks
   * them: the recalibrated statistics, so the figures, are the same bits everywhere.
   */
  private async evaluate(): Promise<{ accuracy: number; loss: number }> {
    const { net, arch } = this.training;
    const s = await evaluateSubnetOnnx(net, arch, this.data, this.calibration, { threads: 1 });
    return { accuracy: s.accuracy, loss: s.loss };
  }

  /** Restores or measures the inherited weights, then the start event and a first checkpoint. */
  async start(): Promise<void> {
    const { resume } = this.plan;
    if (resume) {
      this.training.restore(
        resume.header,
        resume.tensors,
        `The fine-tune checkpoint ${this.paths.checkpointFile}`,
      );
      this.inherited = resume.header.inherited;
      this.elapsedBefore = resume.header.elapsedSeconds;
    } else {
      // The inherited weights' accuracy; their recalibrated statistics stay in the subnet.
      this.inherited = await this.evaluate();
    }
    this.last = this.inherited;
    for (const message of this.plan.notes)
      this.emit({ type: 'log', time: this.now(), level: 'info', message });
    const { loaded, recipe, plan, training } = this;
    this.emit({
      type: 'finetune-start',
      time: this.now(),
      runId: loaded.folder.id,
      key: this.key,
      dir: this.paths.dir,
      epochs: recipe.epochs,
      totalSteps: plan.totalSteps,
      stepsPerEpoch: plan.stepsPerEpoch,
      batchSize: recipe.train.batchSize,
      lr: recipe.lr,
      ...(recipe.teacher ? { teacher: recipe.teacher } : {}),
      sourceStep: loaded.step,
      inherited: this.inherited,
      backend: loaded.backend.name,
      threads: training.threads,
      ...(resume ? { resumedFromStep: training.step } : {}),
    });
    if (!resume) {
      // An earlier result describes weights this fine-tune replaces from its first checkpoint.
      rmSync(this.paths.resultFile, { force: true });
      // Resumable from its first moment, as a training run is.
      this.checkpoint();
    }
  }

  /** Steps until the end or a stop; an evaluation after each epoch; checkpoints on the run's schedule. */
  async loop(): Promise<'completed' | 'cancelled'> {
    const { training, plan } = this;
    const every = this.loaded.config.train.checkpointEvery;
    while (!training.done) {
      if (this.opts.shouldStop?.()) return 'cancelled';
      const ts = this.now();
      const out = training.next();
      const { step } = training;
      this.emit({
        type: 'finetune-step',
        time: this.now(),
        key: this.key,
        step,
        epoch: step / plan.stepsPerEpoch,
        lr: out.lr,
        loss: out.loss,
        ...(out.distillLoss !== undefined ? { distillLoss: out.distillLoss } : {}),
        imagesPerSec: this.recipe.train.batchSize / Math.max(1e-6, (this.now() - ts) / 1000),
      });
      if (step % plan.stepsPerEpoch === 0 || step === plan.totalSteps) await this.evaluateEpoch();
      if (step < plan.totalSteps && (step % every === 0 || step % plan.stepsPerEpoch === 0))
        this.checkpoint();
      // Let IPC messages (cancel, status) in between steps.
      await new Promise((r) => setImmediate(r));
    }
    return 'completed';
  }

  private async evaluateEpoch(): Promise<void> {
    const te = this.now();
    const { step } = this.training;
    this.last = await this.evaluate();
    this.emit({
      type: 'finetune-epoch',
      time: this.now(),
      key: this.key,
      epoch: Math.ceil(step / this.plan.stepsPerEpoch),
      step,
      ...this.last,
      seconds: (this.now() - te) / 1000,
    });
  }

  /** Writes the checkpoint, then flushes the log so it is at least as new as the checkpoint. */
  private checkpoint(): void {
    const { loaded, recipe, training } = this;
    const header: FinetuneHeader = {
      version: 1,
      kind: 'finetune',
      runId: loaded.folder.id,
      key: this.key,
      sourceStep: loaded.step,
      sourceSha256: loaded.checkpointSha256,
      epochs: recipe.epochs,
      lr: recipe.lr,
      ...(recipe.teacher ? { teacher: recipe.teacher } : {}),
      inherited: this.inherited,
      backend: loaded.backend.name,
      elapsedSeconds: this.seconds,
      ...training.state(),
    };
    const bytes = writeCheckpoint(this.paths.checkpointFile, {
      header,
      tensors: training.tensorRecords(),
    });
    this.log.sync();
    this.emit({
      type: 'checkpoint',
      time: this.now(),
      step: training.step,
      file: this.paths.checkpointFile,
      bytes,
    });
  }

  /** A stop: a checkpoint to resume from, and the end event. */
  cancelled(): 'cancelled' {
    this.checkpoint();
    this.emit({
      type: 'finetune-end',
      time: this.now(),
      key: this.key,
      status: 'cancelled',
      step: this.training.step,
      seconds: this.seconds,
    });
    return 'cancelled';
  }

  /**
   * The final weights, their statistics recalibrated by the last evaluation (what an export
   * of the fine-tuned subnet reads), then result.json and the end event.
   */
  finish(): FinetuneResult {
    this.checkpoint();
    const { loaded, recipe, training, plan } = this;
    const { config } = loaded;
    const cost = subnetCost(config.space, config.task, training.arch);
    const result: FinetuneResult = {
      version: 1,
      runId: loaded.folder.id,
      key: this.key,
      arch: training.arch,
      flops: cost.flops,
      params: cost.params,
      epochs: recipe.epochs,
      steps: plan.totalSteps,
      lr: recipe.lr,
      ...(recipe.teacher ? { teacher: recipe.teacher } : {}),
      sourceStep: loaded.step,
      sourceSha256: loaded.checkpointSha256,
      inherited: this.inherited,
      finetuned: this.last,
      seconds: this.seconds,
      time: new Date(this.now()).toISOString(),
    };
    atomicWrite(this.paths.resultFile, JSON.stringify(result, null, 2) + '\n');
    this.emit({
      type: 'finetune-end',
      time: this.now(),
      key: this.key,
      status: 'completed',
      step: training.step,
      result,
      seconds: result.seconds,
    });
    return result;
  }

  /** A failure: the end event to the driver whatever happens, to the log if the disk lets it. */
  fail(e: Error): void {
    const end: FinetuneEndEvent = {
      type: 'finetune-end',
      time: this.now(),
      key: this.key,
      status: 'failed',
      step: this.training.step,
      message: e.message,
      seconds: this.seconds,
    };
    try {
      this.log.append(end);
    } catch {
      // A full disk: the driver still hears why the job ended.
    }
    this.opts.emit(end);
  }

  close(): void {
    this.log.close();
  }
}
