import * as tf from '@tensorflow/tfjs-core';
import { performance } from 'node:perf_hooks';
import type { SupernetConfig } from '../config/configSchema';
import type { TrainingData } from '../engine/data/batches';
import { SubnetEvaluator } from '../engine/evaluate/subnetEvaluator';
import type { Supernet } from '../engine/model/supernet';
import { openStepRunner } from '../engine/threads/stepRunner';
import type { Optimizer } from '../engine/train/optimizer';
import type { SampledSubnet } from '../engine/train/samplers/samplerTypes';
import type { StepOptions, SerialStepRunner } from '../engine/train/trainStep';

/** The engine's figures at one thread count. */
export interface ThreadPoint {
  threads: number;
  /** Median ms of a step of the largest subnet on `threads` threads (data-parallel: the batch split). */
  step_ms: number;
  /** Median ms of a sandwich step (largest + smallest + 2 random, KD) on `threads` threads. */
  sandwich_ms: number;
  /** Candidate evaluation (BN recalibration + validation) as search runs it: `threads` candidates on `threads` threads. */
  eval_img_s: number;
}

/** What a thread count is measured on: one net, one batch, the same subnets at every count. */
export interface ThreadBenchSetup {
  config: SupernetConfig;
  net: Supernet;
  optimizer: Optimizer;
  runner: SerialStepRunner;
  backend: string;
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  /** The sandwich steps, cycled through: every thread count trains the same subnets. */
  sandwiches: SampledSubnet[][];
  evalData: TrainingData;
  calibration: Int32Array[];
  steps: number;
  warmup: number;
  evalRuns: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(n: number, warmup: number, f: (i: number) => void): number {
  for (let i = 0; i < warmup; i++) f(i);
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f(warmup + i);
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

/**
 * The figures at `threads`: the product's stepper at that count (on wasm, data-parallel steps
 * of one subnet and subnet-parallel sandwiches; else the one-thread runner), and candidate
 * evaluation on that many threads as search runs it.
 */
export async function measureAt(s: ThreadBenchSetup, threads: number): Promise<ThreadPoint> {
  const stepper = await openStepRunner(s, s.config, s.backend, threads);
  try {
    const plain: StepOptions = {
      distillation: false,
      lr: 0.05,
      wantFeedback: false,
      wantErrorNorms: false,
    };
    const largest = s.sandwiches[0][0];
    const stepMs = timed(s.steps, s.warmup, () => void stepper.run([largest], s.x, s.y, plain));
    const sandwichMs = timed(Math.max(1, Math.floor(s.steps / 2)), 1, (i) => {
      const subnets = s.sandwiches[i % s.sandwiches.length];
      stepper.run(subnets, s.x, s.y, { ...plain, distillation: true });
    });
    // Candidate evaluation as search runs it (SubnetEvaluator): `threads` candidates at once, on
    // a pool of threads with one onnxruntime thread each (in this thread when threads = 1).
    // The candidates are all the largest subnet, so the figure compares with the PyTorch
    // peer's inference of that subnet. The first round starts the pool and is not counted.
    const evaluator = new SubnetEvaluator(s.net, s.evalData, s.calibration, threads);
    const candidates = Array.from({ length: threads }, () => largest.arch);
    const evalMs: number[] = [];
    try {
      for (let i = 0; i <= s.evalRuns; i++) {
        const t0 = performance.now();
        await evaluator.evaluateAll(candidates, () => undefined);
        if (i > 0) evalMs.push(performance.now() - t0);
      }
    } finally {
      await evaluator.close();
    }
    const images =
      threads *
      (s.calibration.reduce((n, b) => n + b.length, 0) + s.evalData.validationIndices.length);
    return {
      threads,
      step_ms: Math.round(stepMs * 10) / 10,
      sandwich_ms: Math.round(sandwichMs * 10) / 10,
      eval_img_s: Math.round((images * 1000) / median(evalMs)),
    };
  } finally {
    await stepper.close();
  }
}

/** A scaling curve: each count measured `rounds` times (counts alternated), medians, ratios to the first. */
export async function threadCurve(
  s: ThreadBenchSetup,
  counts: number[],
  rounds: number,
): Promise<{ points: ThreadPoint[]; speedup: Omit<ThreadPoint, 'threads'>[] }> {
  const samples = new Map<number, ThreadPoint[]>(counts.map((t) => [t, []]));
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so that drift on a shared machine does not favour one count.
    const order = r % 2 ? [...counts].reverse() : counts;
    for (const t of order) samples.get(t)!.push(await measureAt(s, t));
  }
  const points = counts.map((t) => {
    const ps = samples.get(t)!;
    return {
      threads: t,
      step_ms: median(ps.map((p) => p.step_ms)),
      sandwich_ms: median(ps.map((p) => p.sandwich_ms)),
      eval_img_s: median(ps.map((p) => p.eval_img_s)),
    };
  });
  const base = points[0];
  const ratio = (v: number) => Math.round(v * 100) / 100;
  const speedup = points.map((p) => ({
    step_ms: ratio(base.step_ms / p.step_ms),
    sandwich_ms: ratio(base.sandwich_ms / p.sandwich_ms),
    eval_img_s: ratio(p.eval_img_s / base.eval_img_s),
  }));
  return { points, speedup };
}
