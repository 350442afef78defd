import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SupernetConfig } from '../../config/configSchema';
import type { TrainingData } from '../data/batches';
import { loadTrainingData, type DataOptions } from '../data/trainingData';
import type { EvaluateJob, TrainAloneJob } from '../execute/queue/queueJobs';
import { recipeOf } from '../execute/queue/queueJobs';
import { loadRun, runConfigOf, type LoadedRun } from '../run/loadRun';
import { RunFolder } from '../run/runFolder';
import { runCalibration } from '../run/subnetEvaluator';

/**
 * A job this worker cannot take here, for a reason of this machine (another version,
 * a run folder it cannot see, other weights): it goes back to the queue for another
 * worker, and the reason is shown to the user.
 */
export class Refusal extends Error {}

export interface LoadedEvaluation {
  loaded: LoadedRun;
  data: TrainingData;
  calibration: Int32Array[];
}

const short = (sha: string) => sha.slice(0, 12);

/**
 * What the jobs of one search need, loaded once: the run's supernet at the job's
 * checkpoint and its data (evaluations), the run's config and data (stand-alone
 * trainings). A job of another run or checkpoint replaces what is held.
 */
export class RunCache {
  private run: (LoadedEvaluation & { dir: string; sha: string }) | undefined;
  private dataFor: { key: string; data: TrainingData } | undefined;

  constructor(private readonly opts: DataOptions) {}

  async evaluation(job: EvaluateJob): Promise<LoadedEvaluation> {
    if (this.run?.dir === job.runDir && this.run.sha === job.checkpointSha256) return this.run;
    this.dispose();
    const folder = folderOf(job.runDir);
    let loaded: LoadedRun;
    try {
      loaded = loadRun(folder);
    } catch (e) {
      throw new Refusal(`cannot load run ${job.runDir} here: ${(e as Error).message}`);
    }
    if (loaded.checkpointSha256 !== job.checkpointSha256) {
      loaded.net.dispose();
      throw new Refusal(
        `the checkpoint ${folder.checkpointFile} here is step ${loaded.step} (SHA-256 ${short(loaded.checkpointSha256)}), ` +
          `the search uses step ${job.checkpointStep} (${short(job.checkpointSha256)}): the run folder must be ` +
          'the same shared folder on every machine, and the run not trained while it is searched.',
      );
    }
    const data = await this.trainingData(loaded.config, loaded.configPath);
    this.run = {
      dir: job.runDir,
      sha: job.checkpointSha256,
      loaded,
      data,
      calibration: runCalibration(loaded.config, data),
    };
    return this.run;
  }

  async recipe(job: TrainAloneJob): Promise<{ config: SupernetConfig; data: TrainingData }> {
    const folder = folderOf(job.runDir);
    let run: ReturnType<typeof runConfigOf>;
    try {
      run = runConfigOf(folder);
    } catch (e) {
      throw new Refusal(`cannot read run ${job.runDir} here: ${(e as Error).message}`);
    }
    const text = readFileSync(folder.configFile, 'utf8');
    if (recipeOf(run.configPath, text) !== job.recipe)
      throw new Refusal(
        `the config of run ${job.runDir} here is not the one the ranking check uses: the run folder must be shared.`,
      );
    return { config: run.config, data: await this.trainingData(run.config, run.configPath) };
  }

  dispose(): void {
    this.run?.loaded.net.dispose();
    this.run = undefined;
  }

  private async trainingData(config: SupernetConfig, configPath: string): Promise<TrainingData> {
    const key = JSON.stringify([configPath, config.task, config.train.seed, config.train.augment]);
    if (this.dataFor?.key === key) return this.dataFor.data;
    try {
      const { data } = await loadTrainingData(config, configPath, this.opts);
      this.dataFor = { key, data };
      return data;
    } catch (e) {
      throw new Refusal(`cannot load the data of ${configPath} here: ${(e as Error).message}`);
    }
  }
}

function folderOf(dir: string): RunFolder {
  if (!path.isAbsolute(dir) || !existsSync(dir))
    throw new Refusal(
      `the run folder ${dir} does not exist on this machine: workers need the runs on a shared path.`,
    );
  return new RunFolder(dir);
}
