import { failedProfileEnd, profileRun } from './run/profileRun';
import { commandProblem, type EngineCommand, type EngineEvent } from '#shared/protocol/engine';
import { probeBackend } from './backend/probe';
import { exportRun } from './run/exportRun';
import { finetuneRun } from './run/finetuneRun';
import { rankRun } from './run/rankRun';
import { failedSearchEnd, searchRun } from './run/searchRun';
import { trainRun } from './run/trainRun';
import { workerRun } from './worker/workerRun';

/**
 * The engine process (`node dist/engine.js`): driven by commands over IPC (a job command,
 * then cancel and status), it answers with events. One job per process.
 */
type State = 'idle' | 'running' | 'stopping';
type JobCommand = Exclude<EngineCommand, { type: 'cancel' | 'status' }>;

/** Whether the driver still listens: after it died, events go only to the run's logs. */
let driverConnected = process.send !== undefined;

function send(e: EngineEvent): void {
  if (!process.send) {
    process.stdout.write(JSON.stringify(e) + '\n');
    return;
  }
  if (!driverConnected || !process.connected) return;
  try {
    // A dead driver (EPIPE, a closed channel) must not end the job before its cancel path runs.
    process.send(e, (err: Error | null) => {
      if (err) driverConnected = false;
    });
  } catch {
    driverConnected = false;
  }
}

const logError = (message: string): EngineEvent => ({
  type: 'log',
  time: Date.now(),
  level: 'error',
  message,
});

/** The event that says a job ended, by the job's kind. */
const isEndEvent = (e: EngineEvent): boolean =>
  e.type === 'run-end' ||
  e.type === 'search-end' ||
  e.type === 'export' ||
  e.type === 'rank-end' ||
  e.type === 'finetune-end' ||
  e.type === 'probe' ||
  e.type === 'profile-end' ||
  (e.type === 'worker' && e.state === 'stopped');

export function startEngine(): void {
  let state: State = 'idle';
  let runId: string | undefined;
  let step: number | undefined;
  let totalSteps: number | undefined;
  let cancelled = false;

  const runJob = (cmd: JobCommand) => {
    state = 'running';
    let ended = false;
    const emit = (e: EngineEvent) => {
      if (e.type === 'run-start') totalSteps = e.totalSteps;
      if (
        e.type === 'run-start' ||
        e.type === 'search-start' ||
        e.type === 'rank-start' ||
        e.type === 'finetune-start'
      )
        runId = e.runId;
      if (e.type === 'finetune-start') totalSteps = e.totalSteps;
      if (e.type === 'finetune-step') step = e.step;
      if (e.type === 'step') step = e.step;
      if (isEndEvent(e)) ended = true;
      send(e);
    };
    const shouldStop = () => cancelled;
    jobOf(cmd, emit, shouldStop)
      .then(() => finish(0))
      .catch((e: Error) => {
        // A job that fails before it starts (bad config, missing data) still ends with an end event.
        if (!ended) send(failure(cmd, e.message, step ?? 0));
        else if (cmd.type !== 'start') send(logError(e.message));
        finish(1);
      });
  };

  const onCommand = (raw: unknown) => {
    const problem = commandProblem(raw);
    if (problem) return send(logError(`engine: dropped a message: ${problem}`));
    const cmd = raw as EngineCommand;
    if (cmd.type === 'status')
      return send({
        type: 'status',
        time: Date.now(),
        state,
        ...(runId ? { runId } : {}),
        ...(step !== undefined ? { step } : {}),
        ...(totalSteps ? { totalSteps } : {}),
      });
    if (cmd.type === 'cancel') {
      if (state === 'running') state = 'stopping';
      cancelled = true;
      return;
    }
    if (state !== 'idle')
      return send(logError('engine: a job is already going; one job per engine process'));
    runJob(cmd);
  };

  const finish = (code: number) => {
    state = 'idle';
    // Let the last IPC messages drain before leaving. `process.send` outlives the channel: a
    // driver that died has disconnected it already, and disconnecting twice throws.
    if (process.connected) process.disconnect?.();
    process.exitCode = code;
    // A library that leaves a socket or a timer behind (a Redis client still reconnecting to
    // a server that is gone) must not keep a finished engine alive as an orphan: output gets
    // a few seconds to drain, then the process goes.
    setTimeout(() => process.exit(code), 5_000).unref();
  };

  process.on('message', onCommand);
  // A driver that dies takes its engine with it: no orphan keeps training, but the job
  // still ends properly (a checkpoint, its end event, its status).
  process.on('disconnect', () => {
    driverConnected = false;
    if (state !== 'idle') cancelled = true;
  });
  // The engine runs in its own process group (a terminal's Ctrl-C goes to its driver, which
  // asks it to stop); a signal sent to it directly stops the job the same way. A second one
  // ends the process at once.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      if (cancelled || state === 'idle') process.exit(code);
      cancelled = true;
      if (state === 'running') state = 'stopping';
    });
  }
}

function jobOf(
  cmd: JobCommand,
  emit: (e: EngineEvent) => void,
  shouldStop: () => boolean,
): Promise<unknown> {
  switch (cmd.type) {
    case 'start':
      return trainRun(cmd, { shouldStop, emit });
    case 'search':
      return searchRun(cmd, { shouldStop, emit });
    case 'export':
      return exportRun(cmd, { emit });
    case 'rank':
      return rankRun(cmd, { shouldStop, emit });
    case 'finetune':
      return finetuneRun(cmd, { shouldStop, emit });
    case 'probe':
      return probeBackend(cmd.backend ?? 'auto').then(emit);
    case 'worker':
      return workerRun(cmd, { shouldStop, emit });
    case 'profile':
      return profileRun(cmd, { shouldStop, emit });
  }
}

/** The end event of a job that failed before it could send its own. */
function failure(cmd: JobCommand, message: string, step: number): EngineEvent {
  const time = Date.now();
  switch (cmd.type) {
    case 'search':
      return failedSearchEnd(message, 0);
    case 'profile':
      return failedProfileEnd(cmd.device, message, 0);
    case 'export':
    case 'probe':
    case 'worker':
      return logError(message);
    case 'rank':
      return { type: 'rank-end', time, status: 'failed', message, seconds: 0 };
    case 'finetune':
      return {
        type: 'finetune-end',
        time,
        key: cmd.key,
        status: 'failed',
        step,
        message,
        seconds: 0,
      };
    case 'start':
      return { type: 'run-end', time, status: 'failed', step, message, seconds: 0 };
  }
}

if (require.main === module) {
  // A dead driver closes the pipes: a late log line must not crash the job's cancel path.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  // The editor's `supernet.maxEngineThreads`: native TensorFlow reads these when it loads.
  const threads = process.env.SUPERNET_MAX_THREADS;
  if (threads && /^\d+$/.test(threads)) {
    process.env.TF_NUM_INTRAOP_THREADS ??= threads;
    process.env.TF_NUM_INTEROP_THREADS ??= threads;
  }
  startEngine();
}
