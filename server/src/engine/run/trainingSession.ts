import { existsSync } from 'node:fs';
import { atomicWriteWith } from '#shared/runFolder/durable';
import { parseJsonLine } from '#shared/runFolder/jsonl';
import { forEachLineSync, MAX_LINE_BYTES } from '#shared/runFolder/lineReader';
import { parseEngineEvent, type EngineEvent } from '#shared/protocol/engine';
import { AppendLog } from '#shared/runFolder/appendLog';
import type { RunStatus } from '#shared/runFolder/records';
import { spaceFacts } from '../../space/facts';
import type { SelectedBackend } from '../backend/selectBackend';
import type { TrainingData } from '../data/batches';
import type { LoadedDataset } from '../data/loadedDataset';
import type { Trainer } from '../train/trainer';
import type { AnyStepRunner } from '../threads/stepRunner';
import { writeCheckpoint } from '../storage/checkpoint';
import type { OpenedRun } from './openTraining';
import { RunError } from '../runError';
import type { RankingHost } from '../ranking/rankingHost';
import { spaceKeyOf } from '../../space/spaceKey';

export interface SessionSetup {
  opened: OpenedRun;
  trainer: Trainer;
  /** Runs each step: the trainer's runner, or subnet-parallel steps on several threads. */
  stepper: AnyStepRunner;
  backend: SelectedBackend;
  dataset: LoadedDataset;
  data: TrainingData;
  totalSteps: number;
  stepsPerEpoch: number;
  emit: (e: EngineEvent) => void;
  now: () => number;
}

/**
 * A training run while it runs: where its events go (events.jsonl and the driver), its
 * position, and the writes that make it resumable: checkpoints and run.json.
 */
export class TrainingSession implements RankingHost {
  readonly log: AppendLog<EngineEvent>;
  readonly t0: number;
  step = 0;
  private elapsedBefore = 0;

  constructor(readonly s: SessionSetup) {
    this.t0 = s.now();
    const { folder, resumeFrom } = s.opened;
    if (resumeFrom) {
      try {
        s.trainer.restore(
          resumeFrom.header,
          resumeFrom.tensors,
          `The checkpoint of run ${folder.id}`,
        );
      } catch (e) {
        if (e instanceof RunError) throw e;
        throw new RunError(`${folder.checkpointFile}: ${(e as Error).message}`);
      }
      // The steps after the checkpoint are redone: drop their events from the killed
      // process, so every chart shows each step once. Only after the restore succeeded:
      // a checkpoint that cannot be restored must leave the run's history as it was.
      const dropped = dropEventsAfter(folder.eventsFile, resumeFrom.header.step);
      if (dropped) s.opened.notes.push(dropped);
      this.step = resumeFrom.header.step;
      this.elapsedBefore = resumeFrom.header.elapsedSeconds;
    }
    this.log = new AppendLog<EngineEvent>(folder.eventsFile);
  }

  get folder(): OpenedRun['folder'] {
    return this.s.opened.folder;
  }

  get config(): OpenedRun['config'] {
    return this.s.opened.config;
  }

  get weights(): Trainer['weights'] {
    return this.s.trainer.weights;
  }

  get data(): TrainingData {
    return this.s.data;
  }

  now(): number {
    return this.s.now();
  }

  emit(e: EngineEvent): void {
    this.log.append(e);
    this.s.emit(e);
  }

  info(message: string, level: 'info' | 'warning' = 'info'): void {
    this.emit({ type: 'log', time: this.s.now(), level, message });
  }

  /** Seconds of training so far, across resumes. */
  get seconds(): number {
    return this.elapsedBefore + (this.s.now() - this.t0) / 1000;
  }

  /** The run-start event and run.json's `running`. */
  start(): void {
    for (const note of this.s.opened.notes) this.info(note);
    const { opened, backend, dataset, data } = this.s;
    const config = opened.config;
    this.emit({
      type: 'run-start',
      time: this.s.now(),
      runId: this.folder.id,
      runDir: this.folder.dir,
      configPath: opened.configPath,
      backend: backend.name,
      ...(backend.compute ? { compute: backend.compute } : {}),
      threads: this.s.stepper.threads,
      fellBackFrom: backend.fellBackFrom ?? [],
      dataset: {
        name: dataset.name,
        source: dataset.source,
        folder: dataset.dir,
        train: data.trainIndices.length,
        validation: data.validationIndices.length,
      },
      totalSteps: this.s.totalSteps,
      stepsPerEpoch: this.s.stepsPerEpoch,
      batchSize: config.train.batchSize,
      supernetParams: spaceFacts(config).supernetParams,
      ...(opened.resumeFrom ? { resumedFromStep: this.step } : {}),
      seed: config.train.seed,
    });
    for (const w of dataset.warnings) this.info(w, 'warning');
    this.info(
      `backend ${backend.name}, ${this.s.stepper.threads} thread(s) per step; data: ${dataset.description}`,
    );
    this.writeMeta('running');
    // A new run is resumable from its first moment: killed before its first scheduled
    // checkpoint, it restarts from step 0 with the same seeds, not from nothing.
    if (!opened.resumeFrom) this.checkpoint();
  }

  writeMeta(status: RunStatus): void {
    this.folder.writeMeta({
      id: this.folder.id,
      configPath: this.s.opened.configPath,
      created: this.s.opened.created,
      status,
      backend: this.s.backend.name,
      step: this.step,
      totalSteps: this.s.totalSteps,
    });
  }

  /** Writes the checkpoint, then flushes the log so it is at least as new as the checkpoint. */
  checkpoint(): void {
    const { trainer, opened, backend } = this.s;
    const bytes = writeCheckpoint(this.folder.checkpointFile, {
      header: {
        version: 1,
        runId: this.folder.id,
        step: this.step,
        totalSteps: this.s.totalSteps,
        spaceKey: spaceKeyOf(opened.config),
        backend: backend.name,
        ...trainer.headerState(),
        elapsedSeconds: this.seconds,
      },
      tensors: trainer.tensorRecords(),
    });
    this.log.sync();
    this.emit({
      type: 'checkpoint',
      time: this.s.now(),
      step: this.step,
      file: this.folder.checkpointFile,
      bytes,
    });
  }

  /** The end of a run that stopped as asked: a last checkpoint, run-end, run.json. */
  finish(status: 'completed' | 'cancelled'): void {
    this.checkpoint();
    this.emit({
      type: 'run-end',
      time: this.s.now(),
      status,
      step: this.step,
      seconds: this.seconds,
    });
    this.writeMeta(status);
  }

  fail(e: Error): void {
    this.emit({
      type: 'run-end',
      time: this.s.now(),
      status: 'failed',
      step: this.step,
      message: e.message,
      seconds: (this.s.now() - this.t0) / 1000,
    });
    this.writeMeta('failed');
  }

  close(): void {
    this.log.close();
    this.s.trainer.dispose();
  }
}

/**
 * Rewritten as a whole (temp file, rename): killed halfway, the old log is still there.
 * Line by line, so a log of any size can be cut back. Only events of later steps go:
 * lines this version cannot read are kept as they are (they may be a newer version's),
 * but for lines over the reader's bound, which are counted and named in the run's log.
 */
export function dropEventsAfter(file: string, step: number): string | undefined {
  if (!existsSync(file)) return undefined;
  let oversized = 0;
  atomicWriteWith(file, (write) => {
    let kept: string[] = [];
    const flush = () => {
      write(kept.join(''));
      kept = [];
    };
    ({ oversized } = forEachLineSync(file, (line) => {
      const e = parseJsonLine(line, parseEngineEvent);
      if (e === 'blank') return;
      if (e !== undefined && 'step' in e && (e as { step: number }).step > step) return;
      kept.push(line + '\n');
      if (kept.length >= 4096) flush();
    }));
    flush();
  });
  return oversized
    ? `${file}: dropped ${oversized} line(s) longer than ${MAX_LINE_BYTES >> 20} MiB (no event is that long)`
    : undefined;
}
