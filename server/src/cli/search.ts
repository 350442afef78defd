import type { EngineEvent, SearchCommand } from '#shared/protocol/engine';
import { RUN_FILES } from '#shared/runFolder/layout';
import type { CandidateFigures } from '#shared/runFolder/records';
import { labelledAccuracy } from '#shared/accuracyKinds';
import { formatCount } from '#shared/format/numbers';
import { crashReport, runEngineJob } from './engineJob';
import { steadyEta, type Progress } from '#shared/format/eta';
import { formatDuration } from '#shared/format/units';
import { bar } from './progress';

export interface SearchCliOptions {
  command: SearchCommand;
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
  status?: (s: string) => void;
  enginePath?: string;
}

/** Searches a trained run in an engine process; resolves to the exit code. */
export async function searchCli(o: SearchCliOptions): Promise<number> {
  const view = new SearchView(o);
  let end: EngineEvent | undefined;
  const job = await runEngineJob(o.command, {
    ...(o.enginePath ? { enginePath: o.enginePath } : {}),
    err: o.err,
    interruptNote: `stopping after this generation and writing ${RUN_FILES.pareto}`,
    onEvent: (e) => {
      if (e.type === 'search-end') end = e;
      view.show(e);
    },
  });
  view.close();
  if (typeof job === 'string') {
    o.err(`supernet search: ${job}`);
    return 2;
  }
  if (!end || end.type !== 'search-end') {
    for (const l of crashReport('search', job)) o.err(l);
    return 1;
  }
  return end.status === 'completed' ? 0 : end.status === 'cancelled' ? 130 : 1;
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

/** Search events as a progress line and a final table, or as JSON lines. */
class SearchView {
  private budget = 0;
  private evaluations = 0;
  private generation = 0;
  private hypervolume = 0;
  private best = '';
  private rate = 0;
  /** On a queue: `3 workers · 2 queued · 3 running`. */
  private fleet = '';
  /** The first evaluation reported: the rate counts from it, past the warm-up. */
  private firstEvaluation: Progress | undefined;
  private lastPrinted = 0;
  /** Errors already printed: the engine ends a failed search and then logs the same words. */
  private readonly errors = new Set<string>();

  constructor(private readonly o: SearchCliOptions) {}

  show(e: EngineEvent): void {
    if (this.o.json) {
      this.o.out(JSON.stringify(e));
      return;
    }
    switch (e.type) {
      case 'search-start':
        this.budget = e.budget;
        this.o.err(
          `searching run ${e.runId} with ${e.algorithm} (seed ${e.seed}): ${e.budget} evaluations; ` +
            `objectives ${e.objectives.map((x) => `${x.name} ${x.direction}`).join(', ')}` +
            `${e.constraints.length ? `; constraints ${e.constraints.join(', ')}` : ''}` +
            `${e.cached ? `; ${e.cached} subnets already evaluated` : ''}`,
        );
        break;
      case 'candidate':
        this.evaluations++;
        this.firstEvaluation ??= { done: this.evaluations, time: Date.now() };
        this.progress();
        break;
      case 'generation': {
        this.generation = e.generation;
        this.evaluations = e.evaluations;
        this.hypervolume = e.hypervolume;
        this.rate = e.evaluationsPerSec;
        const feasible = e.front.filter((c) => c.feasible);
        if (feasible.length) {
          const acc = Math.max(...feasible.map((c) => c.accuracy));
          const flops = Math.min(...feasible.map((c) => c.flops));
          this.best = `best inherited acc ${pct(acc)} · least ${formatCount(flops)} MACs`;
        }
        this.progress();
        break;
      }
      case 'executor':
        this.fleet = `${e.workers.length} worker${e.workers.length === 1 ? '' : 's'} · ${e.queued} queued · ${e.running} running`;
        this.rate = e.evaluationsPerSec || this.rate;
        this.progress();
        break;
      case 'log':
        if (e.level === 'error' && this.saidOnce(e.message)) break;
        this.line(`${e.level === 'info' ? '' : e.level + ': '}${e.message}`);
        break;
      case 'search-end':
        if (e.status === 'failed') {
          if (!this.saidOnce(e.message ?? 'failed'))
            this.line(`supernet search: ${e.message ?? 'failed'}`);
          break;
        }
        this.line(
          `search ${e.status} after ${e.evaluations} evaluations in ${formatDuration(e.seconds)}: ` +
            `hypervolume ${e.hypervolume.toPrecision(5)}, ${e.front.length} subnet${e.front.length === 1 ? '' : 's'} on the front`,
        );
        for (const c of e.front) this.o.out(candidateLine(c));
        if (e.paretoFile) this.o.err(`front written to ${e.paretoFile}`);
        break;
      default:
        break;
    }
  }

  private progress(): void {
    if (!this.budget) return;
    const eta = steadyEta(
      this.firstEvaluation,
      { done: this.evaluations, time: Date.now() },
      this.budget,
    );
    const text =
      `${bar(this.budget ? this.evaluations / this.budget : 0)} gen ${this.generation} · ` +
      `${this.evaluations}/${this.budget} evals · HV ${this.hypervolume.toPrecision(4)}` +
      `${this.best ? ` · ${this.best}` : ''}${this.rate ? ` · ${this.rate.toFixed(2)} eval/s` : ''}` +
      `${this.fleet ? ` · ${this.fleet}` : ''} ETA ${eta === undefined ? 'estimating…' : formatDuration(eta)}`;
    if (this.o.status) this.o.status(text);
    else if (Date.now() - this.lastPrinted > 10_000) {
      this.lastPrinted = Date.now();
      this.o.err(text);
    }
  }

  /** Whether `message` was printed before (and from now on it has been). */
  private saidOnce(message: string): boolean {
    const seen = this.errors.has(message);
    this.errors.add(message);
    return seen;
  }

  private line(s: string): void {
    if (this.o.status) this.o.status('');
    this.o.err(s);
  }

  close(): void {
    if (this.o.status) this.o.status('');
  }
}
