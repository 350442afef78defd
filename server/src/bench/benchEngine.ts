import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../config/resolve';
import { largestArch, smallestArch } from '../space/arch';
import { selectBackend, type BackendPreference } from '../engine/backend/selectBackend';
import { Supernet } from '../engine/model/supernet';
import { Rng } from '../engine/rng';
import { randomArch } from '../engine/train/randomArch';
import { stepperFor } from '../engine/train/trainStep';
import { subnetCost } from '../space/facts';
import type { SampledSubnet } from '../engine/train/samplerTypes';
import type { TrainingData } from '../engine/data/batches';
import { calibrationIndices, evaluateSubnet } from '../engine/evaluate/evaluate';
import { evaluateSubnetOnnx } from '../engine/evaluate/evaluateOnnx';

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
   * validation split), in images per second over both: in onnxruntime-node (what search
   * uses) and in tfjs.
   */
  eval_img_s: number;
  eval_tfjs_img_s: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timedAsync(n: number, warmup: number, f: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < warmup; i++) await f();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

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

/**
 * The engine on the reference net of shared/peers/bench-net.json: the same figures,
 * measured the same way (median of `steps` after `warmup`), as the PyTorch peer prints.
 */
export async function benchEngine(
  opts: { config?: string; backend?: BackendPreference; steps?: number; warmup?: number } = {},
): Promise<EngineBench> {
  const file = opts.config ?? findBenchConfig();
  const config = resolveConfig(readFileSync(file, 'utf8')).config;
  const backend = await selectBackend(opts.backend ?? 'auto');
  const steps = opts.steps ?? 10;
  const warmup = opts.warmup ?? 3;
  const rng = new Rng(0);
  const net = new Supernet(config.space, config.task, rng);
  const { optimizer, runner } = stepperFor(net, config.train);
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
  const plain = { distillation: false, lr: 0.05, wantFeedback: false, wantErrorNorms: false };
  const stepMs = timed(steps, warmup, () => void runner.run([largest], x, y, plain));
  const sandwichMs = timed(Math.max(1, Math.floor(steps / 2)), 1, () => {
    const subnets = [
      largest,
      smallest,
      sub('random', randomArch(config.space, config.task, rng)),
      sub('random', randomArch(config.space, config.task, rng)),
    ];
    runner.run(subnets, x, y, { ...plain, distillation: true });
  });
  const inferMs = timed(steps, warmup, () => {
    const z = tf.tidy(() => net.forward(largest.arch, x, 'eval'));
    z.dataSync();
    z.dispose();
  });
  const evalData = syntheticData(
    rng,
    EVAL_CALIBRATION + EVAL_VALIDATION,
    h,
    w,
    c,
    config.task.classes,
  );
  const calibration = calibrationIndices(evalData, 10, batch);
  const evalImages = EVAL_CALIBRATION + EVAL_VALIDATION;
  const evalOnnxMs = await timedAsync(3, 1, () =>
    evaluateSubnetOnnx(net, largest.arch, evalData, calibration),
  );
  // One run: the tfjs path takes about 20 s per evaluation.
  const evalTfjsMs = timed(
    1,
    0,
    () => void evaluateSubnet(net, largest.arch, evalData, calibration),
  );
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
    step_ms: Math.round(stepMs * 10) / 10,
    sandwich_ms: Math.round(sandwichMs * 10) / 10,
    infer_img_s: Math.round((batch * 1000 * 10) / inferMs) / 10,
    train_img_s: Math.round((batch * 1000 * 10) / stepMs) / 10,
    eval_img_s: Math.round((evalImages * 1000 * 10) / evalOnnxMs) / 10,
    eval_tfjs_img_s: Math.round((evalImages * 1000 * 10) / evalTfjsMs) / 10,
  };
}
