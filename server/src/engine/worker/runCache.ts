import { realpathSync } from 'node:fs';
import { readRunTextSync } from '#shared/runFolder/safeRead';
import * as path from 'node:path';
import { archKey, type Arch } from '#shared/arch';
import { archInSpace } from '../../space/arch';
import { MAX_CONFIG_CHARS } from '../../config/resolve';
import type { SupernetConfig } from '../../config/configSchema';
import type { TrainingData } from '../data/batches';
import { loadTrainingData, type DataOptions } from '../data/trainingData';
import type { EvaluateTask, TrainAloneTask } from '../execute/queue/queueTasks';
import { recipeOf } from '../execute/queue/queueTasks';
import { checkpointDataSha256 } from '../storage/checkpoint';
import { loadRun, runConfigOf, type LoadedRun } from '../run/loadRun';
import { RunFolder } from '../storage/runFolder';
import { runCalibration } from '../run/candidateMeasurer';

/**
 * A job this worker cannot take here, for a reason of this machine (another version,
 * a run folder it cannot see, other weights): it goes back to the queue for another
 * worker. `message` is what the queue (and so the user's search) is told: it names no path
 * and quotes no file of this machine, since anyone who can write to the queue reads it;
 * `detail` stays in the worker's own log.
 */
export class Refusal extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export interface LoadedEvaluation {
  loaded: LoadedRun;
  data: TrainingData;
  calibration: Int32Array[];
}

const short = (sha: string) => sha.slice(0, 12);

/**
 * What the tasks of one search need, loaded once: the run's supernet at the task's
 * checkpoint and its data (evaluations), the run's config and data (stand-alone
 * trainings). A task of another run or checkpoint replaces what is held.
 */
export class RunCache {
  private run: (LoadedEvaluation & { dir: string; sha: string }) | undefined;
  private dataFor: { key: string; data: TrainingData } | undefined;

  /** The folders whose runs this worker serves: as given, and their real paths. */
  private readonly roots: string[];
  private readonly realRoots: string[];

  constructor(
    private readonly opts: DataOptions,
    roots: readonly string[],
  ) {
    this.roots = roots.map((r) => path.resolve(r));
    this.realRoots = this.roots.flatMap((r) => {
      try {
        return [realpathSync(r)];
      } catch {
        return [];
      }
    });
  }

  async evaluation(job: EvaluateTask): Promise<LoadedEvaluation> {
    if (this.run?.dir === job.runDir && this.run.sha === job.checkpointSha256) {
      checkArchs(job.archs, this.run.loaded.config);
      return this.run;
    }
    this.dispose();
    const folder = this.folderOf(job.runDir);
    // The weights first, by their bytes alone: a folder whose checkpoint is not the search's
    // is refused before any of its files is parsed, so a refusal tells nothing of it.
    const sha = checkpointDataSha256(folder.checkpointFile);
    if (sha !== job.checkpointSha256)
      throw new Refusal(
        `no checkpoint here has the search's weights (step ${job.checkpointStep}, SHA-256 ` +
          `${short(job.checkpointSha256)}): the run folder must be the same shared folder on ` +
          'every machine, and the run not trained while it is searched.',
        `${job.runDir}: its checkpoint ${sha ? `has SHA-256 ${short(sha)}` : 'is missing or not a checkpoint'}`,
      );
    let loaded: LoadedRun;
    try {
      loaded = loadRun(folder);
    } catch (e) {
      throw new Refusal(
        'cannot load the run here',
        `cannot load run ${job.runDir}: ${(e as Error).message}`,
      );
    }
    if (loaded.checkpointSha256 !== job.checkpointSha256) {
      // Rewritten between the two reads (a run trained while it is searched).
      loaded.net.dispose();
      throw new Refusal('the checkpoint changed while it was read: the run is being trained');
    }
    try {
      checkArchs(job.archs, loaded.config);
    } catch (e) {
      loaded.net.dispose();
      throw e;
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

  async recipe(job: TrainAloneTask): Promise<{ config: SupernetConfig; data: TrainingData }> {
    const folder = this.folderOf(job.runDir);
    // The recipe first, by the config's bytes alone (as an evaluation checks the weights):
    // nothing of a folder that is not the ranking check's run is parsed.
    const text = readRunTextSync(folder.configFile, 4 * MAX_CONFIG_CHARS);
    if (text === undefined || recipeOf(job.configPath, text) !== job.recipe)
      throw new Refusal(
        'the config of the run here is not the one the ranking check uses: the run folder must be shared.',
        `${job.runDir}: its config ${text === undefined ? 'is missing or not a regular file' : 'differs'}`,
      );
    let run: ReturnType<typeof runConfigOf>;
    try {
      run = runConfigOf(folder);
    } catch (e) {
      throw new Refusal(
        'cannot read the run here',
        `cannot read run ${job.runDir}: ${(e as Error).message}`,
      );
    }
    if (run.configPath !== job.configPath || run.configText !== text)
      throw new Refusal(
        'the run here was started from another config than the ranking check’s run',
        `${job.runDir}: started from ${run.configPath}`,
      );
    checkArchs([job.arch], run.config);
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
      throw new Refusal(
        'cannot load the run’s data here: workers need the data on a shared path',
        `cannot load the data of ${configPath}: ${(e as Error).message}`,
      );
    }
  }

  /**
   * The job's run folder, if it is one of this worker's: its real path (links resolved)
   * inside a root given with --runs. Checked before anything in it is read.
   */
  private folderOf(dir: string): RunFolder {
    const inside = (p: string) => (root: string) => {
      const rel = path.relative(root, p);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    };
    const outside = (shown: string) =>
      new Refusal(
        'the run folder is not under this worker’s run folders (supernet worker --runs)',
        `${shown} is outside ${this.roots.join(', ')}`,
      );
    // The path as named first, before the file system is asked anything: a path outside
    // the roots gets the same answer whether it exists or not (no existence oracle).
    const named = path.resolve(dir);
    if (![...this.roots, ...this.realRoots].some(inside(named))) throw outside(dir);
    let real: string;
    try {
      real = realpathSync(named);
    } catch {
      throw new Refusal(
        'the run folder does not exist on this machine: workers need the runs on a shared path.',
        `no run folder ${dir}`,
      );
    }
    // Then where its links lead.
    if (!this.realRoots.some(inside(real))) throw outside(`${dir} (${real})`);
    return new RunFolder(real);
  }
}

/** Every subnet of a job must be one of the run's space: no resolution or width beyond it. */
function checkArchs(archs: readonly Arch[], config: SupernetConfig): void {
  const outside = archs.find((a) => !archInSpace(a, config.space, config.task));
  if (outside)
    throw new Refusal(
      'a subnet of the task is not in the run’s search space',
      `subnet ${archKey(outside).slice(0, 200)} is not in the space`,
    );
}
