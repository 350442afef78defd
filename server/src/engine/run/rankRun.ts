import { macsRegions, withRegions } from '../ranking/macsRegions';
import { archKey, type Arch } from '#shared/arch';
import type { EngineEvent, RankCommand, RankEndEvent } from '#shared/protocol/engine';
import { atomicWrite } from '#shared/runFolder/durable';
import type { RankedSubnet, RankFile } from '#shared/runFolder/records';
import { loadTrainingData, type DataOptions } from '../data/trainingData';
import { calibrationIndices } from '../evaluate/evaluate';
import type { Baseline } from '../ranking/baselines';
import { initProxies } from '../ranking/initProxies';
import { pairedClaim } from '../ranking/pairedClaim';
import type { Executor, TrainAloneProgress, TrainedAlone } from '../execute/executor';
import { openExecutor } from './openExecutor';
import { Cancelled, RunError } from '../runError';
import { kendallTauB, spearmanRho } from '../search/rankCorrelation';
import { bootstrapInterval, partialKendallTau } from '../search/rankingStats';
import { spaceDecisions } from '../../space/decisions';
import { stratifiedArchs } from '../../space/stratifiedArchs';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { subnetCost } from '../../space/facts';
import { recipeOf } from '../execute/queue/queueTasks';
import { CandidateStore } from '../storage/candidateStore';
import { StandaloneCache } from './standaloneCache';
import { loadRunOnBackend, type LoadedRun } from './loadRun';
import { RunFolder } from '../storage/runFolder';
import { CandidateMeasurer } from './candidateMeasurer';

export const DEFAULT_RANK_SUBNETS = 8;
export const DEFAULT_RANK_EPOCHS = 1;

export interface RankRunOptions extends DataOptions {
  emit: (e: EngineEvent) => void;
  /** Checked between training steps: true ends the check without writing rank.json. */
  shouldStop?: () => boolean;
}

/** The subnet trained alone: from the run's cache when done before, else by the executor (then kept). */
async function trainedAlone(
  ex: Executor,
  cache: StandaloneCache,
  arch: Arch,
  epochs: number,
  shouldStop: (() => boolean) | undefined,
  onProgress: (p: TrainAloneProgress) => void,
): Promise<TrainedAlone> {
  const key = archKey(arch);
  const known = cache.get(key, epochs);
  if (known) return known;
  const r = await ex.trainAlone(arch, epochs, onProgress, shouldStop);
  cache.add(key, epochs, r);
  return r;
}

/** Measures every subnet both ways, then writes rank.json with the rank correlations. */
async function rankAll(
  loaded: LoadedRun,
  cmd: RankCommand,
  epochs: number,
  subnets: number,
  opts: RankRunOptions,
): Promise<RankFile> {
  const { config, folder } = loaded;
  const store = new CandidateStore(folder.candidatesFile);
  const caches: StandaloneCache[] = [];
  let executor: Executor | undefined;
  try {
    executor = await openExecutor(cmd.executor, loaded, opts);
    const seed = cmd.seed ?? config.search.seed;
    const archs = stratifiedArchs(
      spaceDecisions(config.space, config.task),
      (a) => subnetCost(config.space, config.task, a).flops,
      subnets,
      seed + 7,
    );
    const cache = new StandaloneCache(
      folder.standaloneFile,
      recipeOf(loaded.configPath, readFileSync(folder.configFile, 'utf8')),
    );
    caches.push(cache);
    const before = archs.filter((a) => cache.get(archKey(a), epochs)).length;
    opts.emit({
      type: 'rank-start',
      time: Date.now(),
      runId: folder.id,
      subnets: archs.length,
      epochs,
      seed,
    });
    const measurer = new CandidateMeasurer(loaded.net, config, store, executor, {
      latency: false,
      source: `rank-seed${seed}`,
      checkpointStep: loaded.step,
    });
    // In the supernet first (quick), then every subnet trained alone: all at once, so a
    // queue's workers train them in parallel; the local executor takes them in turn.
    const inSupernet = await measurer.measureAll(archs, 0, () => undefined, opts.shouldStop);
    if (before)
      opts.emit({
        type: 'log',
        time: Date.now(),
        level: 'info',
        message: `${before} of ${archs.length} subnets were trained alone before with this recipe (${path.basename(folder.standaloneFile)}): reused`,
      });
    const ex = executor;
    const ranked = await Promise.all(
      archs.map(async (arch, i): Promise<RankedSubnet> => {
        const key = archKey(arch);
        const alone = await trainedAlone(ex, cache, arch, epochs, opts.shouldStop, (p) =>
          opts.emit({
            type: 'rank-progress',
            time: Date.now(),
            subnet: i + 1,
            subnets: archs.length,
            key,
            ...p,
          }),
        );
        const candidate = inSupernet.get(key)!;
        const subnet: RankedSubnet = {
          key,
          flops: candidate.flops,
          params: candidate.params,
          supernetAccuracy: candidate.accuracy,
          standaloneAccuracy: alone.accuracy,
          standaloneSeconds: alone.seconds,
        };
        opts.emit({ type: 'ranked', time: Date.now(), subnet });
        return subnet;
      }),
    );
    const proxies = await proxiesOf(loaded, archs, opts);
    const result = rankFileOf(folder.id, epochs, seed, ranked, proxies);
    atomicWrite(folder.rankFile, JSON.stringify(result, null, 2) + '\n');
    return result;
  } finally {
    await executor?.close();
    for (const c of caches) c.close();
    store.close();
  }
}

/**
 * A check's figures: τ, ρ and τ's interval, the FLOPs baseline and partial τ, and the claim
 * against the best cheap predictor: MACs, params, and the zero-cost proxies at the run's
 * initial weights (one seed alone: subnets are resampled).
 */
function rankFileOf(
  runId: string,
  epochs: number,
  seed: number,
  ranked: RankedSubnet[],
  proxies: readonly Baseline[],
): RankFile {
  const x = ranked.map((r) => r.supernetAccuracy);
  const y = ranked.map((r) => r.standaloneAccuracy);
  // Fewer FLOPs rank lower: the baseline predictor is FLOPs itself.
  const z = ranked.map((r) => r.flops);
  // The claim is against the best cheap predictor: MACs, params, and the zero-cost
  // proxies at the run's initial weights (one seed alone: subnets are resampled).
  const claim = pairedClaim(
    {
      predicted: [x],
      truthRuns: y.map((v) => [v]),
      baselines: [
        { name: 'macs', values: z },
        { name: 'params', values: ranked.map((r) => r.params) },
        ...proxies,
      ],
    },
    { seed },
  );
  return {
    runId,
    epochs,
    seed,
    subnets: ranked,
    kendallTau: kendallTauB(x, y),
    spearmanRho: spearmanRho(x, y),
    kendallTauInterval: bootstrapInterval(x, y, kendallTauB, { seed }),
    flopsKendallTau: kendallTauB(z, y),
    partialKendallTau: partialKendallTau(x, y, z),
    baselines: claim.baselines,
    bestBaseline: claim.baselines.find((b) => b.name === claim.best)!,
    baselineAdvantageInterval: claim.advantageInterval,
    ...withRegions(macsRegions(x, y, z, seed)),
    time: new Date().toISOString(),
  };
}

/** The zero-cost proxies of `archs` at the run's initial weights, on one batch of its data. */
async function proxiesOf(
  loaded: LoadedRun,
  archs: readonly Arch[],
  opts: DataOptions,
): Promise<Baseline[]> {
  const { config, configPath } = loaded;
  const { data } = await loadTrainingData(config, configPath, opts);
  const [batch] = calibrationIndices(data, 1, Math.min(config.train.batchSize, 64));
  return initProxies(config, archs, data, batch);
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
        subnets: result.subnets.length,
        kendallTau: result.kendallTau,
        spearmanRho: result.spearmanRho,
        ...(result.kendallTauInterval ? { kendallTauInterval: result.kendallTauInterval } : {}),
        ...(result.flopsKendallTau !== undefined
          ? { flopsKendallTau: result.flopsKendallTau }
          : {}),
        ...(result.partialKendallTau !== undefined
          ? { partialKendallTau: result.partialKendallTau }
          : {}),
        ...(result.baselines
          ? {
              baselines: result.baselines,
              bestBaseline: result.bestBaseline!,
              baselineAdvantageInterval: result.baselineAdvantageInterval!,
            }
          : {}),
        ...withRegions(result.regions),
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
