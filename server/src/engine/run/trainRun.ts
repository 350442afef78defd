import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent, StartCommand } from '../../protocol/engine';
import { largestArch, smallestArch } from '../../space/arch';
import { spaceFacts, subnetCost } from '../../space/facts';
import { selectBackend, type BackendPreference } from '../backend/selectBackend';
import { BatchAssembler } from '../data/batches';
import { Supernet } from '../model/supernet';
import { Rng } from '../rng';
import { BatchSampler } from '../train/dataSampler';
import { calibrationIndices, evaluateSubnet } from '../train/evaluate';
import { learningRate } from '../train/lrSchedule';
import { createSampler } from '../train/samplers';
import { runLength } from '../train/schedule';
import { stepperFor } from '../train/trainStep';
import { readCheckpoint, writeCheckpoint, type TensorRecord } from './checkpoint';
import { EventLog, readEvents } from './eventLog';
import { RunFolder } from './runFolder';
import {
  checkedConfig,
  loadTrainingData,
  restoreTensors,
  RunError,
  spaceKeyOf,
  type CheckpointHeader,
} from './runInputs';

export interface TrainRunOptions {
  /** Where the bundled Fashion-MNIST subset lives (default: found next to the code). */
  bundledDataDir?: string;
  /** Where the system Fashion-MNIST lives (default: Debian's folder). */
  systemDataDir?: string;
  /** Checked between steps: true stops the run (with a checkpoint) within one step. */
  shouldStop?: () => boolean;
  emit: (e: EngineEvent) => void;
  now?: () => number;
}

export { RunError };

/**
 * Trains a supernet from a config (or resumes a run), appending every event to the run's
 * events.jsonl and passing it to `emit`. Returns the final status.
 */
export async function trainRun(
  cmd: StartCommand,
  opts: TrainRunOptions,
): Promise<'completed' | 'cancelled'> {
  const now = opts.now ?? Date.now;
  const t0 = now();
  let folder: RunFolder;
  let configText: string;
  let configPath: string;
  if (cmd.resume) {
    folder = RunFolder.open(cmd.runsDir, cmd.resume);
    if (!existsSync(folder.checkpointFile)) {
      throw new RunError(
        `Run ${folder.id} has no checkpoint (${folder.checkpointFile}): it cannot be resumed.`,
      );
    }
    configText = readFileSync(folder.configFile, 'utf8');
    configPath = folder.readMeta()?.configPath ?? cmd.configPath;
  } else {
    configPath = path.resolve(cmd.configPath);
    if (!existsSync(configPath)) throw new RunError(`Config not found: ${configPath}`);
    configText = readFileSync(configPath, 'utf8');
    folder = undefined as unknown as RunFolder;
  }
  const config = checkedConfig(configPath, configText);
  if (!cmd.resume) {
    folder = RunFolder.create(
      cmd.runsDir,
      config.name ?? path.basename(configPath).replace(/\.supernet\.ya?ml$/, ''),
    );
    writeFileSync(folder.configFile, configText);
  }
  // A resumed run redoes the steps after its checkpoint: drop their events from the
  // killed process first, so every chart shows each step once.
  const resumeFrom = cmd.resume
    ? readCheckpoint<CheckpointHeader>(folder.checkpointFile)
    : undefined;
  if (resumeFrom) dropEventsAfter(folder.eventsFile, resumeFrom.header.step);
  const log = new EventLog(folder.eventsFile);
  const emit = (e: EngineEvent) => {
    log.append(e);
    opts.emit(e);
  };
  const info = (message: string, level: 'info' | 'warning' = 'info') =>
    emit({ type: 'log', time: now(), level, message });

  const backend = await selectBackend((cmd.backend ?? config.train.backend) as BackendPreference);
  const { dataset, data } = loadTrainingData(config, configPath, opts);
  for (const w of dataset.warnings) info(w, 'warning');
  const split = { train: data.trainIndices, validation: data.validationIndices };
  const { stepsPerEpoch, totalSteps: configSteps } = runLength(config.train, split.train.length);
  const totalSteps = cmd.steps ?? configSteps;

  // Separate streams: weights, subnet sampling and data order, so changing one never shifts another.
  const seed = config.train.seed;
  const net = new Supernet(config.space, config.task, new Rng(seed));
  const samplerRng = new Rng(seed + 1);
  const dataRng = new Rng(seed + 2);
  const sampler = createSampler(config, samplerRng);
  const importance = config.train.sampler.type === 'importance';
  const batches = new BatchSampler(
    split.train.length,
    config.train.batchSize,
    dataRng,
    importance ? 'importance' : 'shuffle',
    {
      importanceWeight: config.train.sampler.importanceWeight,
    },
  );
  const { optimizer, runner } = stepperFor(net, config.train);
  const stateTensors = (): [string, tf.Variable][] => [
    ...net.namedVariables(),
    ...optimizer.namedSlots(),
  ];

  let step = 0;
  let elapsedBefore = 0;
  if (resumeFrom) {
    const ck = resumeFrom;
    if (ck.header.spaceKey !== spaceKeyOf(config)) {
      throw new RunError(
        `The checkpoint of run ${folder.id} does not match its config's search space.`,
      );
    }
    restoreTensors(ck.tensors, stateTensors(), `The checkpoint of run ${folder.id}`);
    step = ck.header.step;
    optimizer.steps = ck.header.optimizerSteps;
    sampler.restore(ck.header.sampler);
    batches.restore(ck.header.batches);
    samplerRng.setState(ck.header.samplerRng);
    dataRng.setState(ck.header.dataRng);
    elapsedBefore = ck.header.elapsedSeconds;
  }
  const facts = spaceFacts(config);
  emit({
    type: 'run-start',
    time: now(),
    runId: folder.id,
    runDir: folder.dir,
    configPath,
    backend: backend.name,
    fellBackFrom: backend.fellBackFrom ?? [],
    dataset: {
      name: dataset.name,
      source: dataset.source,
      folder: dataset.dir,
      train: split.train.length,
      validation: split.validation.length,
    },
    totalSteps,
    stepsPerEpoch,
    batchSize: config.train.batchSize,
    supernetParams: facts.supernetParams,
    ...(cmd.resume ? { resumedFromStep: step } : {}),
    seed,
  });
  info(`backend ${backend.name}; data: ${dataset.description}`);
  folder.writeMeta({
    id: folder.id,
    configPath,
    created: new Date(t0).toISOString(),
    status: 'running',
    backend: backend.name,
    step,
    totalSteps,
  });

  const checkpoint = () => {
    const tensors: TensorRecord[] = stateTensors().map(([name, v]) => ({
      name,
      shape: v.shape,
      data: v.dataSync() as Float32Array,
    }));
    const header: CheckpointHeader = {
      version: 1,
      runId: folder.id,
      step,
      totalSteps,
      spaceKey: spaceKeyOf(config),
      backend: backend.name,
      samplerRng: samplerRng.state(),
      dataRng: dataRng.state(),
      sampler: sampler.state(),
      batches: batches.state(),
      optimizerSteps: optimizer.steps,
      elapsedSeconds: elapsedBefore + (now() - t0) / 1000,
    };
    const bytes = writeCheckpoint(folder.checkpointFile, { header, tensors });
    log.sync();
    emit({ type: 'checkpoint', time: now(), step, file: folder.checkpointFile, bytes });
  };

  const assembler = new BatchAssembler(data);
  const calibration = calibrationIndices(
    data,
    config.search.bnRecalibrationBatches,
    Math.min(config.train.batchSize, 256),
  );
  const evaluateEpoch = (epoch: number) => {
    const te = now();
    const score = (arch: ReturnType<typeof largestArch>) => ({
      ...evaluateSubnet(net, arch, data, calibration),
      flops: subnetCost(config.space, config.task, arch).flops,
    });
    const largest = score(largestArch(config.space, config.task));
    const smallest = score(smallestArch(config.space, config.task));
    emit({
      type: 'epoch',
      time: now(),
      epoch,
      step,
      largest: { accuracy: largest.accuracy, loss: largest.loss, flops: largest.flops },
      smallest: { accuracy: smallest.accuracy, loss: smallest.loss, flops: smallest.flops },
      seconds: (now() - te) / 1000,
    });
  };

  let status: 'completed' | 'cancelled' = 'completed';
  try {
    while (step < totalSteps) {
      if (opts.shouldStop?.()) {
        status = 'cancelled';
        break;
      }
      const ts = now();
      const progress = step / totalSteps;
      const subnets = sampler.sample(progress);
      const batch = batches.next(progress);
      const { x, y } = assembler.gather(Array.from(batch.indices, (i) => split.train[i]));
      const lr = learningRate(step, totalSteps, stepsPerEpoch, config.train);
      const weights = importance ? tf.tensor1d(batch.weights) : undefined;
      let out;
      try {
        out = runner.run(subnets, x, y, {
          distillation: config.train.distillation,
          lr,
          wantFeedback: importance,
          wantErrorNorms: importance,
          ...(weights ? { weights } : {}),
        });
      } finally {
        tf.dispose(weights ? [x, y, weights] : [x, y]);
      }
      if (out.feedback) sampler.observe(out.feedback, progress);
      if (out.errorNorms) batches.observe(batch.indices, out.errorNorms);
      step++;
      const seconds = Math.max(1e-6, (now() - ts) / 1000);
      emit({
        type: 'step',
        time: now(),
        step,
        epoch: step / stepsPerEpoch,
        lr,
        losses: subnets.map((s, i) => ({ role: s.role, loss: out.losses[i], flops: s.flops })),
        ...(out.distillLoss !== undefined ? { distillLoss: out.distillLoss } : {}),
        imagesPerSec: (config.train.batchSize * subnets.length) / seconds,
        gradVariance: out.gradVariance,
      });
      if (!Number.isFinite(out.losses[0]))
        throw new RunError(
          `The loss diverged at step ${step} (lr ${lr}): lower train.optimizer.lr.`,
        );
      if (importance && step % 50 === 0)
        emit({ type: 'sampler', time: now(), step, probabilities: sampler.probabilities() });
      if (step % stepsPerEpoch === 0 || step === totalSteps)
        evaluateEpoch(Math.ceil(step / stepsPerEpoch));
      if (step % config.train.checkpointEvery === 0 && step < totalSteps) checkpoint();
      // Let IPC messages (cancel, status) in between steps.
      await new Promise((r) => setImmediate(r));
    }
    checkpoint();
    emit({
      type: 'run-end',
      time: now(),
      status,
      step,
      seconds: elapsedBefore + (now() - t0) / 1000,
    });
    folder.writeMeta({
      id: folder.id,
      configPath,
      created: new Date(t0).toISOString(),
      status,
      backend: backend.name,
      step,
      totalSteps,
    });
    return status;
  } catch (e) {
    emit({
      type: 'run-end',
      time: now(),
      status: 'failed',
      step,
      message: (e as Error).message,
      seconds: (now() - t0) / 1000,
    });
    folder.writeMeta({
      id: folder.id,
      configPath,
      created: new Date(t0).toISOString(),
      status: 'failed',
      backend: backend.name,
      step,
      totalSteps,
    });
    throw e;
  } finally {
    log.close();
    optimizer.dispose();
    net.dispose();
  }
}

function dropEventsAfter(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readEvents(file).filter(
    (e) => !('step' in e) || (e as { step: number }).step <= step,
  );
  writeFileSync(file, kept.map((e) => JSON.stringify(e) + '\n').join(''));
}
