import type { EngineEvent, RankCommand } from '#shared/protocol/engine';
import { labelledAccuracy } from '#shared/accuracyKinds';
import { formatCount } from '#shared/format/numbers';
import { rankingFiguresOf, rankingSummary, rankingWarning, regionSentence } from '#shared/ranking';
import { crashReport, runEngineJob } from './engineJob';
import { bar } from './progress';

export interface RankCliOptions {
  command: RankCommand;
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
  status?: (s: string) => void;
  enginePath?: string;
}

/**
 * Runs a ranking check in an engine process (K subnets trained alone from scratch) and
 * prints each subnet and the rank correlations; resolves to the exit code.
 */
export async function rankCli(o: RankCliOptions): Promise<number> {
  let end: EngineEvent | undefined;
  let epochs: number | undefined;
  let lastPrinted = 0;
  const line = (s: string) => {
    o.status?.('');
    o.err(s);
  };
  const job = await runEngineJob(o.command, {
    ...(o.enginePath ? { enginePath: o.enginePath } : {}),
    err: o.err,
    interruptNote: 'stopping the ranking check (nothing is written)',
    onEvent: (e) => {
      if (e.type === 'rank-end') end = e;
      if (e.type === 'rank-start') epochs = e.epochs;
      if (o.json) return o.out(JSON.stringify(e));
      if (e.type === 'rank-progress') {
        const text = `${bar(e.step / e.steps)} subnet ${e.subnet}/${e.subnets} ${e.key} step ${e.step}/${e.steps} loss ${e.loss.toFixed(3)}`;
        if (o.status) o.status(text);
        else if (Date.now() - lastPrinted > 10_000) {
          lastPrinted = Date.now();
          o.err(text);
        }
      } else if (e.type === 'ranked') {
        const s = e.subnet;
        o.status?.('');
        o.out(
          `${s.key}  ${formatCount(s.flops)} MACs  ${labelledAccuracy({ kind: 'inherited', accuracy: s.supernetAccuracy })}  ` +
            `${labelledAccuracy({ kind: 'standalone', accuracy: s.standaloneAccuracy, epochs })}  (${s.standaloneSeconds.toFixed(0)} s)`,
        );
      } else if (e.type === 'log') line(`${e.level === 'info' ? '' : e.level + ': '}${e.message}`);
      else if (e.type === 'rank-end' && e.status === 'completed') {
        const figures = rankingFiguresOf(e);
        line(
          `${figures ? rankingSummary(figures) : 'no ranking'}` +
            `${e.rankFile ? ` (written to ${e.rankFile})` : ''}`,
        );
        const warning = figures && rankingWarning(figures);
        if (warning) line(`warning: ${warning}`);
        const where = figures && regionSentence(figures);
        if (where) line(where);
      } else if (e.type === 'rank-end')
        line(`supernet rank: ${e.status}${e.message ? `: ${e.message}` : ''}`);
    },
  });
  o.status?.('');
  if (typeof job === 'string') {
    o.err(`supernet rank: ${job}`);
    return 2;
  }
  if (end?.type !== 'rank-end') {
    for (const l of crashReport('rank', job)) o.err(l);
    return 1;
  }
  return end.status === 'completed' ? 0 : end.status === 'cancelled' ? 130 : 1;
}
