import type { SearchCommand } from '#shared/protocol/engine';
import { RUN_FILES } from '#shared/runFolder/layout';
import type { CandidateFigures } from '#shared/runFolder/records';
import { labelledAccuracy } from '#shared/accuracyKinds';
import { formatCount } from '#shared/format/numbers';
import { runCliJob, type CliIo, type Narrator, type Say } from './cliJob';
import { steadyEta, type Progress } from '#shared/format/eta';
import { formatDuration } from '#shared/format/units';
import { bar } from './progress';

export interface SearchCliOptions extends CliIo {
  command: SearchCommand;
}

/** Searches a trained run in an engine process; resolves to the exit code. */
export function searchCli(o: SearchCliOptions): Promise<number> {
  return runCliJob(o.command, o, searchNarrator());
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/** One line of a candidate: its (inherited) accuracy · FLOPs · params · latency. */
export function candidateLine(c: CandidateFigures): string {
  const parts = [
    labelledAccuracy({ kind: 'inherited', accuracy: c.accuracy }),
    `${formatCount(c.flops)} MACs`,
    `${formatCount(c.params)} params`,
  ];
  if (c.latency !== undefined) parts.push(`${c.latency.toFixed(3)} ms`);
  return `${c.key}  ${parts.join(' · ')}`;
}

/** A search told on a terminal: a progress line of generations, then the front. */
function searchNarrator(): Narrator {
  let budget = 0;
  let evaluations = 0;
  let generation = 0;
  let hypervolume = 0;
  let best = '';
  let rate = 0;
  /** On a queue: `3 workers · 2 queued · 3 running`. */
  let fleet = '';
  /** The first evaluation reported: the rate counts from it, past the warm-up. */
  let firstEvaluation: Progress | undefined;
  const progress = (say: Say) => {
    if (!budget) return;
    const eta = steadyEta(firstEvaluation, { done: evaluations, time: Date.now() }, budget);
    say.progress(
      `${bar(evaluations / budget)} gen ${generation} · ` +
        `${evaluations}/${budget} evals · HV ${hypervolume.toPrecision(4)}` +
        `${best ? ` · ${best}` : ''}${rate ? ` · ${rate.toFixed(2)} eval/s` : ''}` +
        `${fleet ? ` · ${fleet}` : ''} ETA ${eta === undefined ? 'estimating…' : formatDuration(eta)}`,
    );
  };
  return {
    name: 'search',
    interruptNote: `stopping after this generation and writing ${RUN_FILES.pareto}`,
    isEnd: (e) => e.type === 'search-end',
    show(e, say) {
      switch (e.type) {
        case 'search-start':
          budget = e.budget;
          say.line(
            `searching run ${e.runId} with ${e.algorithm} (seed ${e.seed}): ${e.budget} evaluations; ` +
              `objectives ${e.objectives.map((x) => `${x.name} ${x.direction}`).join(', ')}` +
              `${e.constraints.length ? `; constraints ${e.constraints.join(', ')}` : ''}` +
              `${e.cached ? `; ${e.cached} subnets already evaluated` : ''}`,
          );
          break;
        case 'candidate':
          evaluations++;
          firstEvaluation ??= { done: evaluations, time: Date.now() };
          progress(say);
          break;
        case 'generation': {
          generation = e.generation;
          evaluations = e.evaluations;
          hypervolume = e.hypervolume;
          rate = e.evaluationsPerSec;
          const feasible = e.front.filter((c) => c.feasible);
          if (feasible.length) {
            const acc = Math.max(...feasible.map((c) => c.accuracy));
            const flops = Math.min(...feasible.map((c) => c.flops));
            best = `best inherited acc ${pct(acc)} · least ${formatCount(flops)} MACs`;
          }
          progress(say);
          break;
        }
        case 'executor':
          fleet = `${e.workers.length} worker${e.workers.length === 1 ? '' : 's'} · ${e.queued} queued · ${e.running} running`;
          rate = e.evaluationsPerSec || rate;
          progress(say);
          break;
        case 'search-end':
          if (e.status === 'failed') {
            say.error(e.message ?? 'failed');
            break;
          }
          say.line(
            `search ${e.status} after ${e.evaluations} evaluations in ${formatDuration(e.seconds)}: ` +
              `hypervolume ${e.hypervolume.toPrecision(5)}, ${e.front.length} subnet${e.front.length === 1 ? '' : 's'} on the front`,
          );
          for (const c of e.front) say.out(candidateLine(c));
          if (e.paretoFile) say.line(`front written to ${e.paretoFile}`);
          break;
        default:
          break;
      }
    },
  };
}
