import { readFile, stat } from 'node:fs/promises';
import type { LatestRanking } from '#shared/charts/latestRanking';
import { latestRankingOfRunTexts } from '#shared/charts/runRanking';
import { RunPaths } from '#shared/runFolder/layout';

/**
 * Reads a run's latest ranking for the tree. events.jsonl grows by a line a step and the
 * tree refreshes often, so a run is read again only when one of its two files changed.
 */

interface Cached {
  signature: string;
  ranking: LatestRanking | undefined;
}

const cache = new Map<string, Cached>();

const signatureOf = async (file: string): Promise<string> =>
  stat(file).then(
    (s) => `${s.size}:${s.mtimeMs}`,
    () => '-',
  );

const readText = (file: string): Promise<string | undefined> =>
  readFile(file, 'utf8').catch(() => undefined);

export async function readRunRanking(runDir: string): Promise<LatestRanking | undefined> {
  const run = new RunPaths(runDir);
  const signature = (
    await Promise.all([signatureOf(run.eventsFile), signatureOf(run.rankFile)])
  ).join('|');
  const cached = cache.get(runDir);
  if (cached?.signature === signature) return cached.ranking;
  const [events, rank] = await Promise.all([readText(run.eventsFile), readText(run.rankFile)]);
  const ranking = latestRankingOfRunTexts(events, rank);
  cache.set(runDir, { signature, ranking });
  return ranking;
}
