import { checkCommand, type EngineCommand, type EngineEvent } from '../protocol/engine';
import { exportRun } from './run/exportRun';
import { searchRun } from './run/searchRun';
import { trainRun } from './run/trainRun';

/**
 * The engine process (`node dist/engine.js`): driven by commands over IPC
 * (start, cancel, status), it answers with events. One run per process.
 */
type State = 'idle' | 'running' | 'stopping';

function send(e: EngineEvent): void {
  if (process.send) process.send(e);
  else process.stdout.write(JSON.stringify(e) + '\n');
}

export function startEngine(): void {
  let state: State = 'idle';
  let runId: string | undefined;
  let step: number | undefined;
  let totalSteps: number | undefined;
  let cancelled = false;

  const onCommand = (raw: unknown) => {
    const problem = checkCommand(raw);
    if (problem) {
      send({
        type: 'log',
        time: Date.now(),
        level: 'error',
        message: `engine: dropped a message: ${problem}`,
      });
      return;
    }
    const cmd = raw as EngineCommand;
    switch (cmd.type) {
      case 'status':
        send({
          type: 'status',
          time: Date.now(),
          state,
          ...(runId ? { runId } : {}),
          ...(step !== undefined ? { step } : {}),
          ...(totalSteps ? { totalSteps } : {}),
        });
        return;
      case 'cancel':
        if (state === 'running') state = 'stopping';
        cancelled = true;
        return;
      case 'start':
      case 'search':
      case 'export': {
        if (state !== 'idle') {
          send({
            type: 'log',
            time: Date.now(),
            level: 'error',
            message: 'engine: a job is already going; one job per engine process',
          });
          return;
        }
        state = 'running';
        let ended = false;
        const emit = (e: EngineEvent) => {
          if (e.type === 'run-start') {
            runId = e.runId;
            totalSteps = e.totalSteps;
          }
          if (e.type === 'search-start') runId = e.runId;
          if (e.type === 'step') step = e.step;
          if (e.type === 'run-end' || e.type === 'search-end' || e.type === 'export') ended = true;
          send(e);
        };
        const shouldStop = () => cancelled;
        const job =
          cmd.type === 'start'
            ? trainRun(cmd, { shouldStop, emit })
            : cmd.type === 'search'
              ? searchRun(cmd, { shouldStop, emit })
              : exportRun(cmd, { emit });
        job
          .then(() => finish(0))
          .catch((e: Error) => {
            // A job that fails before it starts (bad config, missing data) still ends with an end event.
            if (!ended) send(failure(cmd.type, e.message, step ?? 0));
            else if (cmd.type !== 'start')
              send({ type: 'log', time: Date.now(), level: 'error', message: e.message });
            finish(1);
          });
        return;
      }
    }
  };

  const finish = (code: number) => {
    state = 'idle';
    // Let the last IPC messages drain before leaving.
    if (process.send) process.disconnect?.();
    process.exitCode = code;
  };

  process.on('message', onCommand);
  // A driver that dies takes its engine with it: no orphan keeps training.
  process.on('disconnect', () => {
    if (state !== 'idle') cancelled = true;
  });
}

/** The end event of a job that failed before it could send its own. */
function failure(kind: EngineCommand['type'], message: string, step: number): EngineEvent {
  const time = Date.now();
  if (kind === 'search')
    return {
      type: 'search-end',
      time,
      status: 'failed',
      evaluations: 0,
      hypervolume: 0,
      front: [],
      seconds: 0,
      message,
    };
  if (kind === 'export') return { type: 'log', time, level: 'error', message };
  return { type: 'run-end', time, status: 'failed', step, message, seconds: 0 };
}

if (require.main === module) {
  // The editor's `supernet.maxEngineThreads`: native TensorFlow reads these when it loads.
  const threads = process.env.SUPERNET_MAX_THREADS;
  if (threads && /^\d+$/.test(threads)) {
    process.env.TF_NUM_INTRAOP_THREADS ??= threads;
    process.env.TF_NUM_INTEROP_THREADS ??= threads;
  }
  startEngine();
}
