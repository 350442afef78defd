import { stat } from 'node:fs/promises';
import { readRunText } from '#shared/runFolder/safeRead';
import { latestRanking, type LatestRanking } from '#shared/charts/latestRanking';
import type { StabilityPoint } from '#shared/charts/rankingModel';
import { rankingOfRunTexts } from '#shared/charts/runRanking';
import { lastStability } from '#shared/charts/stabilityWords';
import { RunPaths } from '#shared/runFolder/layout';
import { forEachLine } from '#shared/runFolder/lineReader';

/**
 * Reads a run's latest ranking for the tree. events.jsonl grows by a line a step and the
 * tree refreshes often, so a run is read again only when one of its two files changed.
 */

/** What the tree shows of a run's ranking: its latest figures and its last stability. */
export interface RunRanking {
  latest?: LatestRanking;
  stability?: StabilityPoint;
}

interface Cached {
  signature: string;
  ranking: RunRanking;
}

const cache = new Map<string, Cached>();

const signatureOf = async (file: string): Promise<string> =>
  stat(file).then(
    (s) => `${s.size}:${s.mtimeMs}`,
    () => '-',
  );

/**
 * The lines of events.jsonl that can be ranking or stability events, read line by line: a
 * long run's log can be larger than one string may be, and these are a few lines of it.
 */
async function rankingLines(file: string): Promise<string | undefined> {
  const lines: string[] = [];
  const wanted = (l: string) => l.includes('"ranking"') || l.includes('"stability"');
  return forEachLine(file, (l) => void (wanted(l) && lines.push(l))).then(
    () => lines.join('\n'),
    () => undefined,
  );
}

export async function readRunRanking(runDir: string): Promise<RunRanking> {
  const run = new RunPaths(runDir);
  const signature = (
    await Promise.all([signatureOf(run.eventsFile), signatureOf(run.rankFile)])
  ).join('|');
  const cached = cache.get(runDir);
  if (cached?.signature === signature) return cached.ranking;
  const [events, rank] = await Promise.all([
    rankingLines(run.eventsFile),
    readRunText(run.rankFile),
  ]);
  const state = rankingOfRunTexts(events, rank);
  const latest = latestRanking(state);
  const stability = lastStability(state);
  const ranking: RunRanking = {
    ...(latest ? { latest } : {}),
    ...(stability ? { stability } : {}),
  };
  cache.set(runDir, { signature, ranking });
  return ranking;
}
