import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SupernetConfig } from '../../config/configSchema';
import { analyse } from '../../language/analysis';
import type { EngineEvent, StartCommand } from '../../protocol/engine';
import { largestArch, smallestArch } from '../../space/arch';
import { spaceFacts, subnetCost } from '../../space/facts';
import { selectBackend, type BackendPreference } from '../backend/selectBackend';
import { BatchAssembler, type TrainingData } from '../data/batches';
import { loadDataset } from '../data/datasets';
import { splitTrainValidation } from '../data/split';
import { Supernet } from '../model/supernet';
import { Rng } from '../rng';
import { BatchSampler, type BatchSamplerState } from '../train/dataSampler';
import { calibrationIndices, evaluateSubnet } from '../train/evaluate';
import { learningRate } from '../train/lrSchedule';
import { Optimizer } from '../train/optimizer';
import { createSampler } from '../train/samplers';
import { runLength } from '../train/schedule';
import { StepRunner } from '../train/trainStep';
import { readCheckpoint, writeCheckpoint, type TensorRecord } from './checkpoint';
import { EventLog, readEvents } from './eventLog';
import { RunFolder } from './runFolder';

/** What a checkpoint's header holds besides the tensors. */
interface CheckpointHeader {
  version: 1;
  runId: string;
  step: number;
  totalSteps: number;
  spaceKey: string;
  backend: string;
  samplerRng: number[];
  dataRng: number[];
  sampler: unknown;
  batches: BatchSamplerState;
  optimizerSteps: number;
  elapsedSeconds: number;
}

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

export class RunError extends Error {}

/** The folder of the bundled data subset, looked up from this file upwards (works from dist/ and out/). */
export function findBundledDataDir(from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'data', 'fashion-mnist-subset');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.join(from, '..', 'data', 'fashion-mnist-subset');
}

/** The config's text checked as the editor checks it; errors stop the run before anything starts. */
function loadConfig(file: string, text: string): SupernetConfig {
  const a = analyse(text, {
    configPath: file,
    pathExists: existsSync,
    resolvePath: (from, rel) => path.resolve(path.dirname(from), rel),
  });
  const errors = a.problems.filter((p) => p.severity === 'error');
  if (errors.length) {
    const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
    throw new RunError(
      `${file} has ${errors.length} error${errors.length > 1 ? 's' : ''}:\n` +
        errors.map((e) => `  ${file}:${lineOf(e.start)}: ${e.message}`).join('\n'),
    );
  }
  return a.resolved.config;
}

/** A key of the space that a checkpoint must match to be resumed with this config. */
const spaceKeyOf = (c: SupernetConfig): string =>
  JSON.stringify({ space: c.space, input: c.task.input, classes: c.task.classes });

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
  const config = loadConfig(configPath, configText);
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
  const dataset = loadDataset(config.task, {
    configDir: path.dirname(configPath),
    bundledDir: opts.bundledDataDir ?? findBundledDataDir(),
    ...(opts.systemDataDir ? { systemDir: opts.systemDataDir } : {}),
  });
  for (const w of dataset.warnings) info(w, 'warning');
  const split = splitTrainValidation(
    dataset.train.n,
    config.task.validationSplit,
    config.train.seed,
  );
  const data: TrainingData = {
    images: dataset.train.images,
    labels: dataset.train.labels,
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
    trainIndices: split.train,
    validationIndices: split.validation,
  };
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
  const trainables = net
    .namedVariables()
    .filter(([, v]) => v.trainable)
    .map(([name, variable]) => ({ name, variable }));
  const optimizer = new Optimizer(config.train.optimizer, config.train.weightDecay, trainables);
  const runner = new StepRunner(net, optimizer);
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
    const byName = new Map(ck.tensors.map((t) => [t.name, t]));
    for (const [name, v] of stateTensors()) {
      const t = byName.get(name);
      if (!t || t.data.length !== v.size)
        throw new RunError(
          `The checkpoint of run ${folder.id} lacks ${name} or has the wrong size.`,
        );
      v.assign(tf.tensor(t.data, v.shape));
    }
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
