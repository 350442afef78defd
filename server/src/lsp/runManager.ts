import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { EngineCommand } from '#shared/protocol/engine';
import type {
  EventParams,
  ExportParams,
  FinetuneParams,
  JobExit,
  JobKind,
  JobStarted,
  RankParams,
  ResumeParams,
  SearchParams,
  TrainParams,
} from '#shared/protocol/lsp';
import type { RunSummary } from '#shared/runFolder/runSummary';
import { EngineJob } from './engineJob';
import { listRuns, settleInterrupted } from '#shared/runs/readRuns';
import { markFailed } from './markFailed';

export interface RunManagerOptions {
  /** Receives every job's events and its exit. */
  onEvent: (p: EventParams) => void;
  log?: (message: string) => void;
  /** The engine bundle; default dist/engine.js next to this (bundled) file. */
  enginePath?: string;
  /** Threads an engine may use, passed as SUPERNET_MAX_THREADS. */
  maxThreads?: number;
  /** Where search and rank evaluate subnets: `local`, or a Redis URL of a worker fleet. */
  executor?: string;
  /** How long a cancelled engine may take to stop before it is killed (default 10 s). */
  cancelGraceMs?: number;
  /** The engine's environment (default: this process's), or where to get it as each job starts. */
  env?: NodeJS.ProcessEnv | (() => NodeJS.ProcessEnv);
}

/** A run named by id, folder or config file: the id, when it is one. */
function runIdOf(run: string): string | undefined {
  return /\.ya?ml$/i.test(run) ? undefined : path.basename(run);
}

/**
 * The language server's jobs: one engine process per training run, search, export,
 * ranking check or fine-tune.
 * Knows nothing of LSP: requests come in as plain calls, events go out to `onEvent`.
 */
export class RunManager {
  private readonly jobs = new Map<string, EngineJob>();
  /** How jobs of this session ended, by run id: run.json of a crashed engine still says running. */
  private readonly endedRuns = new Map<string, JobExit['status']>();
  private disposed = false;
  maxThreads: number | undefined;
  /** The `supernet.executor` setting; undefined or `local` evaluates in the engine itself. */
  executor: string | undefined;

  constructor(private readonly o: RunManagerOptions) {
    this.maxThreads = o.maxThreads;
    this.executor = o.executor;
  }

  train(p: TrainParams): JobStarted {
    return this.startJob('train', {
      type: 'start',
      configPath: p.configPath,
      runsDir: p.runsDir,
      ...(p.steps !== undefined ? { steps: p.steps } : {}),
      ...(p.backend !== undefined ? { backend: p.backend } : {}),
    });
  }

  /** The engine reads the config from the run folder's copy, so no config path is needed. */
  resume(p: ResumeParams): JobStarted {
    const cmd: EngineCommand = {
      type: 'start',
      configPath: '',
      runsDir: p.runsDir,
      resume: p.runId,
      ...(p.steps !== undefined ? { steps: p.steps } : {}),
    };
    return this.startJob('train', cmd, runIdOf(p.runId));
  }

  search(p: SearchParams): JobStarted {
    const cmd: EngineCommand = {
      type: 'search',
      run: p.run,
      runsDir: p.runsDir,
      ...(p.algorithm !== undefined ? { algorithm: p.algorithm } : {}),
      ...(p.budget !== undefined ? { budget: p.budget } : {}),
      ...(p.seed !== undefined ? { seed: p.seed } : {}),
      ...(p.predictor !== undefined ? { predictor: p.predictor } : {}),
      ...this.executorOption(),
    };
    return this.startJob('search', cmd, runIdOf(p.run));
  }

  export(p: ExportParams): JobStarted {
    const cmd: EngineCommand = {
      type: 'export',
      run: p.run,
      runsDir: p.runsDir,
      key: p.key,
      ...(p.file !== undefined ? { file: p.file } : {}),
      ...(p.precision !== undefined ? { precision: p.precision } : {}),
      ...(p.finetuned ? { finetuned: true } : {}),
    };
    return this.startJob('export', cmd, runIdOf(p.run));
  }

  finetune(p: FinetuneParams): JobStarted {
    const cmd: EngineCommand = {
      type: 'finetune',
      run: p.run,
      runsDir: p.runsDir,
      key: p.key,
      ...(p.epochs !== undefined ? { epochs: p.epochs } : {}),
    };
    return this.startJob('finetune', cmd, runIdOf(p.run));
  }

  rank(p: RankParams): JobStarted {
    const cmd: EngineCommand = {
      type: 'rank',
      run: p.run,
      runsDir: p.runsDir,
      ...(p.subnets !== undefined ? { subnets: p.subnets } : {}),
      ...(p.epochs !== undefined ? { epochs: p.epochs } : {}),
      ...(p.seed !== undefined ? { seed: p.seed } : {}),
      ...this.executorOption(),
    };
    return this.startJob('rank', cmd, runIdOf(p.run));
  }

  /** Asks a job to stop; false when there is no such job running. */
  cancel(jobId: string): boolean {
    return this.jobs.get(jobId)?.cancel() ?? false;
  }

  /** The run folders in `runsDir`, newest first, corrected by what this session saw end. */
  async runs(runsDir: string): Promise<RunSummary[]> {
    const live = new Set([...this.jobs.values()].map((j) => j.runId));
    return (await listRuns(runsDir)).map((r) => {
      if (!live.has(r.id)) settleInterrupted(r);
      const ended = this.endedRuns.get(r.id);
      return r.status === 'running' && ended && !live.has(r.id) ? { ...r, status: ended } : r;
    });
  }

  /**
   * The server is going away (the editor closes): every engine is asked to stop, and ends
   * its job with a checkpoint and a cancelled status, resumable from the editor. The
   * engines run in their own process groups and outlive this process for that last step;
   * one that cannot write its end is shown as interrupted (its lock is stale) and resumes
   * from its last checkpoint.
   */
  dispose(): void {
    this.disposed = true;
    for (const job of this.jobs.values()) job.cancel();
    this.jobs.clear();
  }

  private startJob(kind: JobKind, command: EngineCommand, runId?: string): JobStarted {
    if (this.disposed) throw new Error('the run manager has been disposed');
    const id = `${kind}-${randomUUID().slice(0, 8)}`;
    const job = new EngineJob(id, kind, command, runId, {
      ...(this.o.enginePath ? { enginePath: this.o.enginePath } : {}),
      env: this.engineEnv(),
      cancelGraceMs: this.o.cancelGraceMs ?? 10_000,
      log: (m) => this.log(m),
      onEvent: (p) => {
        if (!this.disposed) this.o.onEvent(p);
      },
    });
    this.jobs.set(id, job);
    void job.done.then((exit) => {
      this.jobs.delete(id);
      if (kind === 'train' && job.runId) {
        this.endedRuns.set(job.runId, exit.status);
        // A crashed engine could not record its end: record it, so the run reads as
        // failed after a restart too.
        if (exit.status === 'failed' && command.type === 'start')
          markFailed(command.runsDir, job.runId);
      }
      this.log(`job ${id} ${exit.status}${exit.message ? `: ${exit.message}` : ''}`);
    });
    job.start();
    this.log(`job ${id} started: ${command.type}`);
    return { jobId: id, kind };
  }

  private executorOption(): { executor?: string } {
    return this.executor && this.executor !== 'local' ? { executor: this.executor } : {};
  }

  private engineEnv(): NodeJS.ProcessEnv {
    const env = {
      ...((typeof this.o.env === 'function' ? this.o.env() : this.o.env) ?? process.env),
    };
    if (this.maxThreads !== undefined) env.SUPERNET_MAX_THREADS = String(this.maxThreads);
    return env;
  }

  private log(message: string): void {
    this.o.log?.(`supernet: ${message}`);
  }
}
