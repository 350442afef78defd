import type { WorkerInfo } from '#shared/executor';
import type { EngineEvent, WorkerCommand } from '#shared/protocol/engine';
import { crashReport, runEngineJob } from './engineJob';

export interface WorkerCliOptions {
  command: WorkerCommand;
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
  enginePath?: string;
}

const describe = (w: WorkerInfo): string =>
  `${w.id} (Supernet Studio ${w.version}, ${w.backend}, ${w.threads} thread${w.threads === 1 ? '' : 's'}${w.device ? `, device ${w.device}` : ''})`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What a job asks, in words. */
function jobWords(kind: 'evaluate' | 'train-alone' | 'time', subnets: number): string {
  if (kind === 'evaluate') return `evaluating ${plural(subnets, 'subnet')}`;
  if (kind === 'time') return `timing ${plural(subnets, 'model')}`;
  return 'training a subnet alone';
}

/**
 * `supernet worker`: an engine process that takes search and ranking jobs from a queue
 * until Ctrl-C (which lets the job in hand finish; a second one leaves it to another
 * worker). Prints what it does, one line per job; resolves to the exit code.
 */
export async function workerCli(o: WorkerCliOptions): Promise<number> {
  let stopped = false;
  const refusals = new Set<string>();
  const job = await runEngineJob(o.command, {
    ...(o.enginePath ? { enginePath: o.enginePath } : {}),
    err: o.err,
    interruptNote: 'finishing the job in hand, then leaving the queue',
    onEvent: (e: EngineEvent) => {
      if (e.type === 'worker' && e.state === 'stopped') stopped = true;
      if (o.json) return o.out(JSON.stringify(e));
      if (e.type === 'log') return o.err(`${e.level === 'info' ? '' : e.level + ': '}${e.message}`);
      if (e.type !== 'worker') return;
      switch (e.state) {
        case 'connected':
          o.err(`worker ${describe(e.worker)}: ${e.message ?? 'connected'}`);
          break;
        case 'job-start':
          if (e.job) o.err(`${jobWords(e.job.kind, e.job.subnets)} (job ${e.job.id})…`);
          break;
        case 'job-end':
          if (e.job)
            o.err(
              `  done in ${(e.job.seconds ?? 0).toFixed(1)} s (${e.worker.jobsDone} jobs so far)`,
            );
          break;
        case 'refused':
          // The same refusal comes back every few seconds while the job waits for another worker.
          if (e.message && !refusals.has(e.worker.message ?? e.message)) {
            refusals.add(e.worker.message ?? e.message);
            o.err(`refused ${e.message}`);
          }
          break;
        default:
          o.err(`worker ${e.worker.id}: ${e.state}${e.message ? `: ${e.message}` : ''}`);
      }
    },
  });
  if (typeof job === 'string') {
    o.err(`supernet worker: ${job}`);
    return 2;
  }
  if (!stopped) {
    for (const l of crashReport('worker', job)) o.err(l);
    return 1;
  }
  return 0;
}
