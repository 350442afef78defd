import { archKey, type Arch } from '#shared/arch';
import type { EngineEvent, RankCommand, RankEndEvent } from '#shared/protocol/engine';
import { atomicWrite } from '#shared/runFolder/durable';
import type { RankedSubnet, RankFile } from '#shared/runFolder/records';
import type { TrainingData } from '../data/batches';
import { loadTrainingData, type DataOptions } from '../data/trainingData';
import { Rng } from '../rng';
import { Cancelled, RunError } from '../runError';
import { kendallTauB, spearmanRho } from '../search/rankCorrelation';
import { spaceDecisions } from '../train/decisions';
import { randomArchOf } from '../train/randomArch';
import { CandidateStore } from './candidateStore';
import { loadRunOnBackend, type LoadedRun } from './loadRun';
import { RunFolder } from './runFolder';
import { trainStandalone } from './standalone';
import { SubnetEvaluator } from './subnetEvaluator';

export const DEFAULT_RANK_SUBNETS = 8;
export const DEFAULT_RANK_EPOCHS = 1;

export interface RankRunOptions extends DataOptions {
  emit: (e: EngineEvent) => void;
  /** Checked between training steps: true ends the check without writing rank.json. */
  shouldStop?: () => boolean;
}

/** `n` distinct random subnets of the space (fewer only when the space has fewer). */
function distinctArchs(
  decisions: ReturnType<typeof spaceDecisions>,
  n: number,
  seed: number,
): Arch[] {
  const rng = new Rng(seed);
  const seen = new Map<string, Arch>();
  for (let tries = 0; seen.size < n && tries < 100 * n; tries++) {
    const a = randomArchOf(decisions, rng);
    seen.set(archKey(a), a);
  }
  return [...seen.values()];
}

/** What training one subnet alone needs. */
interface RankContext {
  loaded: LoadedRun;
  data: TrainingData;
  evaluator: SubnetEvaluator;
  epochs: number;
  opts: RankRunOptions;
}

/** One subnet measured both ways: in the supernet (as search measures it) and trained alone. */
async function rankOne(c: RankContext, arch: Arch, i: number, of: number): Promise<RankedSubnet> {
  const key = archKey(arch);
  const { candidate } = await c.evaluator.measure(arch, 0);
  const ts = Date.now();
  let lastProgress = 0;
  const alone = await trainStandalone(
    c.loaded.config,
    arch,
    c.data,
    c.epochs,
    (step, steps, loss) => {
      if (Date.now() - lastProgress < 250 && step < steps) return;
      lastProgress = Date.now();
      c.opts.emit({
        type: 'rank-progress',
        time: lastProgress,
        subnet: i + 1,
        subnets: of,
        key,
        step,
        steps,
        loss,
      });
    },
    c.opts.shouldStop,
  );
  return {
    key,
    flops: candidate.flops,
    params: candidate.params,
    supernetAccuracy: candidate.accuracy,
    standaloneAccuracy: alone.accuracy,
    standaloneSeconds: (Date.now() - ts) / 1000,
  };
}

/** Measures every subnet, then writes rank.json with the rank correlations. */
async function rankAll(
  loaded: LoadedRun,
  cmd: RankCommand,
  epochs: number,
  subnets: number,
  opts: RankRunOptions,
): Promise<RankFile> {
  const { config, folder } = loaded;
  const store = new CandidateStore(folder.candidatesFile);
  try {
    const { data } = await loadTrainingData(config, loaded.configPath, opts);
    const seed = cmd.seed ?? config.search.seed;
    const archs = distinctArchs(spaceDecisions(config.space, config.task), subnets, seed + 7);
    opts.emit({
      type: 'rank-start',
      time: Date.now(),
      runId: folder.id,
      subnets: archs.length,
      epochs,
      seed,
    });
    const evaluator = new SubnetEvaluator(loaded.net, config, data, store, {
      latency: false,
      source: `rank-seed${seed}`,
      checkpointStep: loaded.step,
    });
    const ranked: RankedSubnet[] = [];
    for (const [i, arch] of archs.entries()) {
      const subnet = await rankOne(
        { loaded, data, evaluator, epochs, opts },
        arch,
        i,
        archs.length,
      );
      ranked.push(subnet);
      opts.emit({ type: 'ranked', time: Date.now(), subnet });
    }
    const x = ranked.map((r) => r.supernetAccuracy);
    const y = ranked.map((r) => r.standaloneAccuracy);
    const result: RankFile = {
      runId: folder.id,
      epochs,
      seed,
      subnets: ranked,
      kendallTau: kendallTauB(x, y),
      spearmanRho: spearmanRho(x, y),
      time: new Date().toISOString(),
    };
    atomicWrite(folder.rankFile, JSON.stringify(result, null, 2) + '\n');
    return result;
  } finally {
    store.close();
  }
}

/**
 * How well the supernet ranks subnets: K random subnets are each trained alone from
 * scratch for E epochs with the run's recipe, and their stand-alone accuracy is compared
 * with the accuracy they have in the supernet by Kendall's τ-b and Spearman's ρ. Runs in
 * the engine process like every job; writes `<run>/rank.json`.
 */
export async function rankRun(
  cmd: RankCommand,
  opts: RankRunOptions,
): Promise<RankFile | undefined> {
  const t0 = Date.now();
  const subnets = cmd.subnets ?? DEFAULT_RANK_SUBNETS;
  const epochs = cmd.epochs ?? DEFAULT_RANK_EPOCHS;
  const end = (e: Omit<RankEndEvent, 'type' | 'time' | 'seconds'>) =>
    opts.emit({ type: 'rank-end', time: Date.now(), seconds: (Date.now() - t0) / 1000, ...e });
  try {
    if (!(subnets >= 2)) throw new RunError('Ranking needs at least 2 subnets (--subnets).');
    if (!(epochs > 0)) throw new RunError('--epochs must be a positive number.');
    const loaded = await loadRunOnBackend(RunFolder.find(cmd.run, cmd.runsDir));
    try {
      const result = await rankAll(loaded, cmd, epochs, subnets, opts);
      end({
        status: 'completed',
        kendallTau: result.kendallTau,
        spearmanRho: result.spearmanRho,
        rankFile: loaded.folder.rankFile,
      });
      return result;
    } finally {
      loaded.net.dispose();
    }
  } catch (e) {
    if (e instanceof Cancelled) {
      end({ status: 'cancelled', message: 'stopped; nothing written' });
      return undefined;
    }
    end({ status: 'failed', message: (e as Error).message });
    throw e;
  }
}
