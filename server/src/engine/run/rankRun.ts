import { archKey, type Arch } from '../../space/arch';
import { Rng } from '../rng';
import { kendallTauB, spearmanRho } from '../search/rankCorrelation';
import { randomArchOf } from '../train/randomArch';
import { spaceDecisions } from '../train/decisions';
import { CandidateStore } from './candidates';
import { findRun, loadRunOnBackend } from './loadRun';
import { atomicWrite } from './runFolder';
import { loadTrainingData, RunError, type DataOptions } from './runInputs';
import { candidatesFileOf } from './searchRun';
import { trainStandalone } from './standalone';
import { SubnetEvaluator } from './subnetEvaluator';
import * as path from 'node:path';

export interface RankOptions extends DataOptions {
  run: string;
  runsDir: string;
  subnets: number;
  epochs: number;
  seed?: number;
  onProgress?: (p: RankProgress) => void;
  shouldStop?: () => boolean;
}

export interface RankProgress {
  subnet: number;
  subnets: number;
  key: string;
  step: number;
  steps: number;
  loss: number;
}

export interface RankedSubnet {
  key: string;
  flops: number;
  params: number;
  /** Accuracy with the supernet's weights (BN recalibrated), as search measures it. */
  supernetAccuracy: number;
  /** Accuracy after training the subnet alone from scratch with the same recipe. */
  standaloneAccuracy: number;
  standaloneSeconds: number;
}

/** rank.json of a run. */
export interface RankResult {
  runId: string;
  epochs: number;
  seed: number;
  subnets: RankedSubnet[];
  kendallTau: number;
  spearmanRho: number;
  time: string;
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

/**
 * How well the supernet ranks subnets: K random subnets are each trained alone from
 * scratch for E epochs with the run's recipe, and their stand-alone accuracy is
 * compared with the accuracy they have in the supernet by Kendall's τ-b and
 * Spearman's ρ. Writes `<run>/rank.json`.
 */
export async function rankRun(o: RankOptions): Promise<RankResult> {
  if (!(o.subnets >= 2)) throw new RunError('Ranking needs at least 2 subnets (--subnets).');
  if (!(o.epochs > 0)) throw new RunError('--epochs must be a positive number.');
  const folder = findRun(o.run, o.runsDir);
  const loaded = await loadRunOnBackend(folder);
  const { config, net } = loaded;
  const store = new CandidateStore(candidatesFileOf(folder));
  try {
    const { data } = loadTrainingData(config, loaded.configPath, o);
    const seed = o.seed ?? config.search.seed;
    const archs = distinctArchs(spaceDecisions(config.space, config.task), o.subnets, seed + 7);
    const evaluator = new SubnetEvaluator(net, config, data, store, {
      latency: false,
      source: `rank-seed${seed}`,
      checkpointStep: loaded.step,
    });
    const ranked: RankedSubnet[] = [];
    for (const [i, arch] of archs.entries()) {
      const key = archKey(arch);
      const { candidate } = await evaluator.measure(arch, 0);
      const t0 = Date.now();
      const alone = await trainStandalone(
        config,
        arch,
        data,
        o.epochs,
        (step, steps, loss) =>
          o.onProgress?.({ subnet: i + 1, subnets: archs.length, key, step, steps, loss }),
        o.shouldStop,
      );
      ranked.push({
        key,
        flops: candidate.flops,
        params: candidate.params,
        supernetAccuracy: candidate.accuracy,
        standaloneAccuracy: alone.accuracy,
        standaloneSeconds: (Date.now() - t0) / 1000,
      });
    }
    const x = ranked.map((r) => r.supernetAccuracy);
    const y = ranked.map((r) => r.standaloneAccuracy);
    const result: RankResult = {
      runId: folder.id,
      epochs: o.epochs,
      seed,
      subnets: ranked,
      kendallTau: kendallTauB(x, y),
      spearmanRho: spearmanRho(x, y),
      time: new Date().toISOString(),
    };
    atomicWrite(path.join(folder.dir, 'rank.json'), JSON.stringify(result, null, 2) + '\n');
    return result;
  } finally {
    store.close();
    net.dispose();
  }
}
