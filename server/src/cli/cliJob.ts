import { eventLines } from '#shared/jobs/eventLines';
import {
  applyEvent,
  fractionDone,
  newJob,
  progressMessage,
  type JobProgress,
} from '#shared/jobs/jobProgress';
import type { EngineCommand, EngineEvent } from '#shared/protocol/engine';
import type { JobKind } from '#shared/protocol/lsp';
import { crashReport, runEngineJob } from './engineJob';
import { bar } from './progress';

/** The terminal a job talks to. */
export interface CliIo {
  /** Every event as a JSON line on stdout, and nothing else. */
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Rewrites the current terminal line (progress bar); undefined when not a terminal. */
  status?: (s: string) => void;
  /** The engine bundle; default dist/engine.js next to this bundle. */
  enginePath?: string;
}

/** How one command's job is told on a terminal, beyond what every job says (eventLines). */
export interface JobTelling {
  /** `supernet NAME: …` in its own messages. */
  name: string;
  kind: JobKind;
  /** What the job works on, for the progress line's state: a config or a run. */
  title: string;
  /** What Ctrl-C does first (the second one kills the engine). */
  interruptNote: string;
  /** The event that ends the job: its `status` gives the exit code (one without a status: 0). */
  isEnd(e: EngineEvent): boolean;
  /** A line after an event's own, for the terminal only (the command to run next). */
  after?(e: EngineEvent): string | undefined;
  /** A job whose failure the engine logs as an error says nothing more about its exit. */
  quietOnLoggedError?: boolean;
}

const PRINT_EVERY_MS = 10_000;

/** Events that move the progress line rather than say something. */
const PROGRESS = new Set<EngineEvent['type']>([
  'step',
  'candidate',
  'generation',
  'executor',
  'rank-progress',
  'finetune-step',
]);

/**
 * Runs one command's job in an engine process and tells it with the narrator the editor
 * uses too (shared/src/jobs: the job's state, its progress line and ETA, each event's lines):
 * every CLI job (train, search, export, finetune, rank) goes through here, so Ctrl-C, JSON
 * output, the progress line, log lines, a failed start (exit 2), an engine that died (its
 * last stderr lines, exit 1) and the exit code of the end's status (0, 130 when cancelled,
 * else 1) are the same for all.
 */
export async function runCliJob(command: EngineCommand, io: CliIo, t: JobTelling): Promise<number> {
  let end: EngineEvent | undefined;
  let loggedError = false;
  const said = new Set<string>();
  let lastPrinted = 0;
  let progressLine = '';
  let job: JobProgress = newJob(t.name, t.kind, t.title);
  const line = (s: string) => {
    if (!io.status) return io.err(s);
    io.status('');
    io.err(s);
    if (progressLine) io.status(progressLine);
  };
  const error = (message: string, text: string) => {
    if (said.has(message)) return;
    said.add(message);
    line(text);
  };
  const progress = (text: string, now: boolean) => {
    progressLine = text;
    if (io.status) io.status(text);
    else if (now || Date.now() - lastPrinted > PRINT_EVERY_MS) {
      lastPrinted = Date.now();
      io.err(text);
    }
  };
  const tell = (e: EngineEvent) => {
    job = applyEvent(job, { jobId: job.jobId, kind: job.kind, event: e });
    for (const l of eventLines(job, e)) {
      if (l.result) {
        io.status?.('');
        io.out(l.text);
      } else if (e.type === 'log' && l.level === 'error') {
        loggedError = true;
        error(l.text, `error: ${l.text}`);
      } else if (l.level === 'error') error(l.text, `supernet ${t.name}: ${l.text}`);
      else line(`${l.level === 'warning' ? 'warning: ' : ''}${l.text}`);
    }
    const next = t.after?.(e);
    if (next) line(next);
    if (PROGRESS.has(e.type)) {
      const done = fractionDone(job);
      progress(`${bar(done ?? 0)} ${progressMessage(job)}`, done === 1);
    }
  };
  const run = await runEngineJob(command, {
    ...(io.enginePath ? { enginePath: io.enginePath } : {}),
    err: io.err,
    interruptNote: t.interruptNote,
    onEvent: (e) => {
      if (t.isEnd(e)) end = e;
      if (io.json) return io.out(JSON.stringify(e));
      tell(e);
    },
  });
  io.status?.('');
  if (typeof run === 'string') {
    io.err(`supernet ${t.name}: ${run}`);
    return 2;
  }
  if (!end) {
    if (!(t.quietOnLoggedError && loggedError)) for (const l of crashReport(t.name, run)) io.err(l);
    return 1;
  }
  const status = 'status' in end ? end.status : 'completed';
  return status === 'completed' ? 0 : status === 'cancelled' ? 130 : 1;
}
