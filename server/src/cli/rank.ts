import { formatCount } from '../config/format';
import { rankRun, type RankOptions } from '../engine/run/rankRun';
import { RunError } from '../engine/run/runInputs';
import { bar } from './progress';

export interface RankCliOptions extends Omit<RankOptions, 'onProgress' | 'shouldStop'> {
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
  status?: (s: string) => void;
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/**
 * Trains subnets from scratch in this process (a long, foreground job: Ctrl-C stops it
 * after the current step) and prints the rank correlations.
 */
export async function rankCli(o: RankCliOptions): Promise<number> {
  let stop = false;
  const onSigint = () => {
    stop = true;
    o.err('\nstopping after this step…');
  };
  process.on('SIGINT', onSigint);
  let lastPrinted = 0;
  try {
    const r = await rankRun({
      ...o,
      shouldStop: () => stop,
      onProgress: (p) => {
        const text = `${bar(p.step / p.steps)} subnet ${p.subnet}/${p.subnets} ${p.key} step ${p.step}/${p.steps} loss ${p.loss.toFixed(3)}`;
        if (o.status) o.status(text);
        else if (Date.now() - lastPrinted > 10_000) {
          lastPrinted = Date.now();
          o.err(text);
        }
      },
    });
    o.status?.('');
    if (o.json) {
      o.out(JSON.stringify(r));
      return 0;
    }
    for (const s of r.subnets)
      o.out(
        `${s.key}  ${formatCount(s.flops)} MACs  supernet ${pct(s.supernetAccuracy)}  stand-alone ${pct(s.standaloneAccuracy)}  (${s.standaloneSeconds.toFixed(0)} s)`,
      );
    o.out(
      `Kendall tau-b ${r.kendallTau.toFixed(3)} · Spearman rho ${r.spearmanRho.toFixed(3)} over ${r.subnets.length} subnets, ${r.epochs} epoch(s) each`,
    );
    return 0;
  } catch (e) {
    o.status?.('');
    if (stop) {
      o.err('supernet rank: stopped; nothing written.');
      return 130;
    }
    if (e instanceof RunError) {
      o.err(`supernet rank: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
