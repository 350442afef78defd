import type { EngineCommand, EngineEvent } from '#shared/protocol/engine';
import { crashReport, runEngineJob } from './engineJob';

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

/** What a job's narrator may do with the terminal. */
export interface Say {
  /** A line on stderr, below the progress line (which stays). */
  line(s: string): void;
  /** A result on stdout. */
  out(s: string): void;
  /** The progress line: rewritten in place on a terminal, else printed every 10 s (or when `now`). */
  progress(text: string, now?: boolean): void;
  /** An error line, unless the same message was said already (a failed job logs it and ends with it). */
  error(message: string, text?: string): void;
}

/** How one command tells its job: which event ends it, and what each event says. */
export interface Narrator {
  /** `supernet NAME: …` in its own messages. */
  name: string;
  /** What Ctrl-C does first (the second one kills the engine). */
  interruptNote: string;
  /** The event that ends the job: its `status` gives the exit code (one without a status: 0). */
  isEnd(e: EngineEvent): boolean;
  /** Everything but log lines, which are said the same way for every job. */
  show(e: EngineEvent, say: Say): void;
  /** A job whose failure the engine logs as an error says nothing more about its exit. */
  quietOnLoggedError?: boolean;
}

const PRINT_EVERY_MS = 10_000;

/**
 * Runs one command's job in an engine process and narrates it: every CLI job (train,
 * search, export, finetune, rank) goes through here, so Ctrl-C, JSON output, the progress
 * line, log lines, a failed start (exit 2), an engine that died (its last stderr lines,
 * exit 1) and the exit code of the end's status (0, 130 when cancelled, else 1) are the same
 * for all.
 */
export async function runCliJob(command: EngineCommand, io: CliIo, n: Narrator): Promise<number> {
  let end: EngineEvent | undefined;
  let loggedError = false;
  const said = new Set<string>();
  let lastPrinted = 0;
  let progressLine = '';
  const say: Say = {
    line(s) {
      if (!io.status) return io.err(s);
      io.status('');
      io.err(s);
      if (progressLine) io.status(progressLine);
    },
    out(s) {
      io.status?.('');
      io.out(s);
    },
    progress(text, now) {
      progressLine = text;
      if (io.status) io.status(text);
      else if (now || Date.now() - lastPrinted > PRINT_EVERY_MS) {
        lastPrinted = Date.now();
        io.err(text);
      }
    },
    error(message, text = `supernet ${n.name}: ${message}`) {
      if (said.has(message)) return;
      said.add(message);
      say.line(text);
    },
  };
  const job = await runEngineJob(command, {
    ...(io.enginePath ? { enginePath: io.enginePath } : {}),
    err: io.err,
    interruptNote: n.interruptNote,
    onEvent: (e) => {
      if (n.isEnd(e)) end = e;
      if (io.json) return io.out(JSON.stringify(e));
      if (e.type !== 'log') return n.show(e, say);
      if (e.level === 'error') {
        loggedError = true;
        say.error(e.message, `error: ${e.message}`);
      } else say.line(`${e.level === 'info' ? '' : e.level + ': '}${e.message}`);
    },
  });
  io.status?.('');
  if (typeof job === 'string') {
    io.err(`supernet ${n.name}: ${job}`);
    return 2;
  }
  if (!end) {
    if (!(n.quietOnLoggedError && loggedError)) for (const l of crashReport(n.name, job)) io.err(l);
    return 1;
  }
  const status = 'status' in end ? end.status : 'completed';
  return status === 'completed' ? 0 : status === 'cancelled' ? 130 : 1;
}
