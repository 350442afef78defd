import { checkCommand, type EngineCommand, type EngineEvent } from '../protocol/engine';
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
      case 'start': {
        if (state !== 'idle') {
          send({
            type: 'log',
            time: Date.now(),
            level: 'error',
            message: 'engine: a run is already going; one run per engine process',
          });
          return;
        }
        state = 'running';
        let ended = false;
        trainRun(cmd, {
          shouldStop: () => cancelled,
          emit: (e) => {
            if (e.type === 'run-start') {
              runId = e.runId;
              totalSteps = e.totalSteps;
            }
            if (e.type === 'step') step = e.step;
            if (e.type === 'run-end') ended = true;
            send(e);
          },
        })
          .then(() => finish(0))
          .catch((e: Error) => {
            // A run that fails before it starts (bad config, missing data) still ends with a run-end.
            if (!ended)
              send({
                type: 'run-end',
                time: Date.now(),
                status: 'failed',
                step: step ?? 0,
                message: e.message,
                seconds: 0,
              });
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

if (require.main === module) startEngine();
