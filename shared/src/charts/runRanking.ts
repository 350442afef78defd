import { parseEngineEvent } from '../protocol/engine';
import { parseJsonLines, parseJsonText } from '../runFolder/jsonl';
import { latestRanking, type LatestRanking } from './latestRanking';
import {
  addEpochRanking,
  addStability,
  applyRankFile,
  emptyRanking,
  type RankingState,
} from './rankingModel';

/**
 * A run's rankings from its folder's texts (events.jsonl, rank.json), for readers that
 * need only them (the Runs tree): the same state the dashboard builds, without parsing
 * the many step events around the few ranking ones.
 */
export function rankingOfRunTexts(
  events: string | undefined,
  rank: string | undefined,
): RankingState {
  const state = emptyRanking();
  // Only a line naming "ranking" or "stability" can be one of their events: the rest is
  // never parsed.
  const lines = (events ?? '')
    .split('\n')
    .filter((l) => l.includes('"ranking"') || l.includes('"stability"'));
  const isWanted = (x: unknown) => {
    const e = parseEngineEvent(x);
    return e?.type === 'ranking' || e?.type === 'stability' ? e : undefined;
  };
  for (const e of parseJsonLines(lines.join('\n'), isWanted).records)
    if (e.type === 'ranking') addEpochRanking(state, e);
    else addStability(state, e);
  applyRankFile(state, parseJsonText(rank));
  return state;
}

/** The latest ranking of a run folder's texts (see latestRanking). */
export const latestRankingOfRunTexts = (
  events: string | undefined,
  rank: string | undefined,
): LatestRanking | undefined => latestRanking(rankingOfRunTexts(events, rank));
