import type { RankCommand } from '#shared/protocol/engine';
import { labelledAccuracy } from '#shared/accuracyKinds';
import { formatCount } from '#shared/format/numbers';
import { rankingFiguresOf, rankingSummary, rankingWarning, regionSentence } from '#shared/ranking';
import { runCliJob, type CliIo } from './cliJob';
import { bar } from './progress';

export interface RankCliOptions extends CliIo {
  command: RankCommand;
}

/**
 * Runs a ranking check in an engine process (K subnets trained alone from scratch) and
 * prints each subnet and the rank correlations; resolves to the exit code.
 */
export function rankCli(o: RankCliOptions): Promise<number> {
  let epochs: number | undefined;
  return runCliJob(o.command, o, {
    name: 'rank',
    interruptNote: 'stopping the ranking check (nothing is written)',
    isEnd: (e) => e.type === 'rank-end',
    show(e, say) {
      if (e.type === 'rank-start') epochs = e.epochs;
      else if (e.type === 'rank-progress')
        say.progress(
          `${bar(e.step / e.steps)} subnet ${e.subnet}/${e.subnets} ${e.key} step ${e.step}/${e.steps} loss ${e.loss.toFixed(3)}`,
        );
      else if (e.type === 'ranked') {
        const s = e.subnet;
        say.out(
          `${s.key}  ${formatCount(s.flops)} MACs  ${labelledAccuracy({ kind: 'inherited', accuracy: s.supernetAccuracy })}  ` +
            `${labelledAccuracy({ kind: 'standalone', accuracy: s.standaloneAccuracy, epochs })}  (${s.standaloneSeconds.toFixed(0)} s)`,
        );
      } else if (e.type === 'rank-end' && e.status === 'completed') {
        const figures = rankingFiguresOf(e);
        say.line(
          `${figures ? rankingSummary(figures) : 'no ranking'}` +
            `${e.rankFile ? ` (written to ${e.rankFile})` : ''}`,
        );
        const warning = figures && rankingWarning(figures);
        if (warning) say.line(`warning: ${warning}`);
        const where = figures && regionSentence(figures);
        if (where) say.line(where);
      } else if (e.type === 'rank-end')
        say.error(
          e.message ?? e.status,
          `supernet rank: ${e.status}${e.message ? `: ${e.message}` : ''}`,
        );
    },
  });
}
