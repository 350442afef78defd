import type { StartCommand } from '#shared/protocol/engine';
import { runCliJob, type CliIo, type Narrator } from './cliJob';
import { steadyEta, type Progress } from '#shared/format/eta';
import { formatDuration } from '#shared/format/units';
import { bar } from './progress';

export interface TrainCliOptions extends CliIo {
  configPath: string;
  runsDir: string;
  steps?: number;
  resume?: string;
  backend?: string;
}

/** Runs training in an engine process and shows its events; resolves to the exit code. */
export function trainCli(o: TrainCliOptions): Promise<number> {
  const start: StartCommand = {
    type: 'start',
    configPath: o.configPath,
    runsDir: o.runsDir,
    ...(o.steps ? { steps: o.steps } : {}),
    ...(o.resume ? { resume: o.resume } : {}),
    ...(o.backend ? { backend: o.backend } : {}),
  };
  return runCliJob(start, o, trainNarrator());
}

/** Training told on a terminal: the run, a progress line of steps, each epoch's accuracies. */
function trainNarrator(): Narrator {
  let totalSteps = 0;
  let runId = '';
  let acc = '';
  /** This job's first step: the rate counts from it (not a resumed run's earlier steps, not the warm-up). */
  let firstStep: Progress | undefined;
  return {
    name: 'train',
    interruptNote: 'stopping after this step and writing a checkpoint',
    isEnd: (e) => e.type === 'run-end',
    show(e, say) {
      switch (e.type) {
        case 'run-start':
          totalSteps = e.totalSteps;
          runId = e.runId;
          firstStep = undefined;
          say.line(
            `${e.resumedFromStep !== undefined ? 'resuming' : 'training'} run ${e.runId} on ${e.backend}: ` +
              `${e.dataset.name} (${e.dataset.source}, ${e.dataset.train} train / ${e.dataset.validation} validation), ` +
              `${e.totalSteps} steps of ${e.batchSize}${e.resumedFromStep !== undefined ? `, from step ${e.resumedFromStep}` : ''}`,
          );
          say.line(`  run folder: ${e.runDir}`);
          break;
        case 'step': {
          firstStep ??= { done: e.step, time: Date.now() };
          const eta = steadyEta(firstStep, { done: e.step, time: Date.now() }, totalSteps);
          const loss = e.losses[0]?.loss ?? NaN;
          say.progress(
            `${bar(e.step / totalSteps)} ${e.step}/${totalSteps} loss ${loss.toFixed(3)} ${acc} ${Math.round(e.imagesPerSec)} img/s ETA ${eta === undefined ? 'estimating…' : formatDuration(eta)}`,
            e.step === totalSteps,
          );
          break;
        }
        case 'epoch':
          acc = `acc ${(100 * e.largest.accuracy).toFixed(1)}%/${(100 * e.smallest.accuracy).toFixed(1)}%`;
          say.line(
            `epoch ${e.epoch}: inherited validation accuracy (BN recalibrated) largest ${(100 * e.largest.accuracy).toFixed(2)}% · smallest ${(100 * e.smallest.accuracy).toFixed(2)}% (${e.seconds.toFixed(1)} s)`,
          );
          break;
        case 'run-end':
          if (!runId)
            say.error(e.message ?? e.status, `supernet train: ${e.status}: ${e.message ?? ''}`);
          else
            say.line(
              `run ${runId} ${e.status} at step ${e.step} after ${formatDuration(e.seconds)}${e.message ? `: ${e.message}` : ''}`,
            );
          break;
        default:
          break;
      }
    },
  };
}
