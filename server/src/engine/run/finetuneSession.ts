import { rmSync } from 'node:fs';
import type { EngineEvent, FinetuneEndEvent } from '#shared/protocol/engine';
import { AppendLog } from '#shared/runFolder/appendLog';
import { atomicWrite } from '#shared/runFolder/durable';
import type { FinetunePaths } from '#shared/runFolder/layout';
import type { FinetuneResult } from '#shared/runFolder/records';
import { subnetCost } from '../../space/facts';
import type { SelectedBackend } from '../backend/selectBackend';
import type { TrainingData } from '../data/batches';
import { evaluateSubnetOnnx } from '../evaluate/evaluateOnnx';
import { writeCheckpoint } from '../storage/checkpoint';
import type { FinetuneHeader } from './finetuneCheckpoint';
import type { TrainConfig } from '../../config/configSchema';
import type { DataOptions } from '../data/trainingData';
import type { ReadCheckpoint } from '../storage/checkpoint';
import type { LoadedRun } from './loadRun';
import { runCalibration } from './candidateMeasurer';
import type { SubnetTraining } from '../standalone/subnetTraining';

export interface FinetuneRunOptions extends DataOptions {
  emit: (e: EngineEvent) => void;
  /** Checked between steps: true stops the fine-tune (with a checkpoint) within one step. */
  shouldStop?: () => boolean;
  now?: () => number;
}

/** How a fine-tune trains: what its checkpoint must match to be continued. */
export interface FinetuneRecipe {
  epochs: number;
  lr: number;
  /** The frozen teacher's arch key; undefined without distillation. */
  teacher: string | undefined;
  train: TrainConfig;
}

/** The fine-tune's plan: its length, and the checkpoint it continues (or the result it already has). */
export interface FinetunePlan {
  key: string;
  stepsPerEpoch: number;
  totalSteps: number;
  resume?: ReadCheckpoint<FinetuneHeader>;
  /** A completed fine-tune with the same settings of the same weights: nothing to do. */
  done?: FinetuneResult;
  notes: string[];
}

/**
 * A fine-tune while it runs: where its events go (its events.jsonl and the driver), its
 * evaluations, and the writes that make it resumable (checkpoints) and its result.
 */
export class FinetuneSession {
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
   * onnxruntime on one thread as search scores subnets (SubnetEvaluator) and export checks
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
