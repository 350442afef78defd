import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../config/resolve';
import type { SupernetConfig } from '../config/configSchema';
import { largestArch, smallestArch } from '../space/arch';
import { selectBackend, type BackendPreference } from '../engine/backend/selectBackend';
import { Supernet } from '../engine/model/supernet';
import { Rng } from '#shared/rng';
import { randomArch } from '../space/randomArch';
import { serialStepRunner } from '../engine/train/trainStep';
import { subnetCost } from '../space/facts';
import type { SampledSubnet } from '../engine/train/samplers/samplerTypes';
import type { TrainingData } from '../engine/data/batches';
import { calibrationIndices, evaluateSubnet } from '../engine/evaluate/evaluate';
import { engineThreads } from '../engine/threads/engineThreads';
import { measureAt, threadCurve, type ThreadBenchSetup } from './benchThreads';

export interface EngineBench {
  engine: string;
  backend: string;
  config: string;
  batch: number;
  params: number;
  /** Median ms of one step of the largest subnet: forward, backward, SGD update. */
  step_ms: number;
  /** Median ms of a sandwich step: largest + smallest + 2 random, in-place distillation. */
  sandwich_ms: number;
  /** Images per second of the largest subnet's forward pass in eval mode. */
  infer_img_s: number;
  train_img_s: number;
  /**
   * Candidate evaluation as search runs it on the largest subnet with the default config on
   * Fashion-MNIST (BN recalibration on 10 batches of 64, then accuracy on the 6,000-image
   * validation split), in images per second over both: in onnxruntime-node as search runs
   * it (as many candidates at once as threads, one per thread), and in tfjs.
   */
  eval_img_s: number;
  /** Absent when skipped (a scaling curve skips it: about 20 s). */
  eval_tfjs_img_s?: number;
  /** Threads the engine used for the sandwich step and evaluation (its thread limit). */
  threads: number;
  /** With --threads 1,2,…: the figures per thread count, and their ratios to the first count. */
  scaling?: Awaited<ReturnType<typeof threadCurve>>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const EVAL_CALIBRATION = 640;
const EVAL_VALIDATION = 6000;

/** Random images and labels: the first 640 for calibration, the rest for validation. */
function syntheticData(
  rng: Rng,
  count: number,
  height: number,
  width: number,
  channels: number,
  classes: number,
): TrainingData {
  const images = Float32Array.from({ length: count * height * width * channels }, () => rng.next());
  const labels = Int32Array.from({ length: count }, () => rng.int(classes));
  const all = Int32Array.from({ length: count }, (_, i) => i);
  return {
    images,
    labels,
    height,
    width,
    channels,
    trainIndices: all.subarray(0, EVAL_CALIBRATION),
    validationIndices: all.subarray(EVAL_CALIBRATION),
  };
}

/** The reference net's config (examples/bench.supernet.yaml), found from this file upwards. */
export function findBenchConfig(from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const f = path.join(dir, 'examples', 'bench.supernet.yaml');
    if (existsSync(f)) return f;
    dir = path.dirname(dir);
  }
  throw new Error('examples/bench.supernet.yaml not found');
}

/** The net, batch, subnets and evaluation data every thread count is measured on (the lab's backend comparisons too). */
export function benchSetup(
  config: SupernetConfig,
  backend: string,
  steps: number,
  warmup: number,
): ThreadBenchSetup {
  const rng = new Rng(0);
  const net = new Supernet(config.space, config.task, rng);
  const { optimizer, runner } = serialStepRunner(net, config.train);
  const batch = config.train.batchSize;
  const [h, w, c] = config.task.input;
  const x = tf.tensor4d(
    Float32Array.from({ length: batch * h * w * c }, () => rng.normal()),
    [batch, h, w, c],
  );
  const y = tf.tensor1d(
    Int32Array.from({ length: batch }, () => rng.int(config.task.classes)),
    'int32',
  );
  const sub = (
    role: SampledSubnet['role'],
    arch: ReturnType<typeof largestArch>,
  ): SampledSubnet => ({
    role,
    arch,
    flops: subnetCost(config.space, config.task, arch).flops,
  });
  const largest = sub('largest', largestArch(config.space, config.task));
  const smallest = sub('smallest', smallestArch(config.space, config.task));
  const evalData = syntheticData(
    rng,
    EVAL_CALIBRATION + EVAL_VALIDATION,
    h,
    w,
    c,
    config.task.classes,
  );
  const calibration = calibrationIndices(evalData, 10, batch);
  // The same four sandwiches at every thread count.
  const sandwiches = [0, 1, 2, 3].map(() => [
    largest,
    smallest,
    sub('random', randomArch(config.space, config.task, rng)),
    sub('random', randomArch(config.space, config.task, rng)),
  ]);
  return {
    config,
    net,
    optimizer,
    runner,
    backend,
    x,
    y,
    sandwiches,
    evalData,
    calibration,
    steps,
    warmup,
    evalRuns: 3,
  };
}

/**
 * The engine on the reference net of shared/peers/bench-net.json: the same figures,
 * measured the same way (median of `steps` after `warmup`), as the PyTorch peer prints.
 */
export async function benchEngine(
  opts: {
    config?: string;
    backend?: BackendPreference;
    steps?: number;
    warmup?: number;
    /** Thread counts of a scaling curve (--threads 1,2). */
    threads?: number[];
    /** Measurements per thread count of the curve. */
    rounds?: number;
    /** Skip the tfjs evaluation (about 20 s). */
    skipTfjsEval?: boolean;
  } = {},
): Promise<EngineBench> {
  const file = opts.config ?? findBenchConfig();
  const config = resolveConfig(readFileSync(file, 'utf8')).config;
  const backend = await selectBackend(opts.backend ?? 'auto');
  const steps = opts.steps ?? 10;
  const warmup = opts.warmup ?? 3;
  const setup = benchSetup(config, backend.name, steps, warmup);
  const { net, optimizer, x, y, evalData, calibration } = setup;
  const largest = setup.sandwiches[0][0];
  const batch = config.train.batchSize;
  const evalImages = EVAL_CALIBRATION + EVAL_VALIDATION;
  const timed = (n: number, w0: number, f: () => void): number => {
    for (let i = 0; i < w0; i++) f();
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      f();
      ts.push(performance.now() - t0);
    }
    return median(ts);
  };
  const threads = engineThreads();
  const at = await measureAt(setup, threads);
  const scaling = opts.threads?.length
    ? await threadCurve({ ...setup, evalRuns: 2 }, opts.threads, opts.rounds ?? 1)
    : undefined;
  const inferMs = timed(steps, warmup, () => {
    const z = tf.tidy(() => net.forward(largest.arch, x, 'eval'));
    z.dataSync();
    z.dispose();
  });
  // One run: the tfjs path takes about 20 s per evaluation.
  const evalTfjsMs = opts.skipTfjsEval
    ? NaN
    : timed(1, 0, () => void evaluateSubnet(net, largest.arch, evalData, calibration));
  const params = net.allTrainableVariables().reduce((n, v) => n + v.size, 0);
  tf.dispose([x, y]);
  optimizer.dispose();
  net.dispose();
  return {
    engine: `tfjs ${tf.version_core}`,
    backend: backend.name,
    config: path.basename(file),
    batch,
    params,
    step_ms: at.step_ms,
    sandwich_ms: at.sandwich_ms,
    infer_img_s: Math.round((batch * 1000 * 10) / inferMs) / 10,
    train_img_s: Math.round((batch * 1000 * 10) / at.step_ms) / 10,
    eval_img_s: at.eval_img_s,
    ...(Number.isNaN(evalTfjsMs)
      ? {}
      : { eval_tfjs_img_s: Math.round((evalImages * 1000 * 10) / evalTfjsMs) / 10 }),
    threads,
    ...(scaling ? { scaling } : {}),
  };
}
