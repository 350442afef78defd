import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../config/resolve';
import { selectBackend, type BackendPreference } from '../engine/backend/selectBackend';
import { subnetOnnxModel } from '../engine/onnx/subnetModel';
import { measureLatency } from '../engine/export/latency';
import { encodeModel } from '../engine/onnx/onnxGraph';
import { Supernet } from '../engine/model/supernet';
import { Rng } from '#shared/rng';
import { runCalibration } from '../engine/run/candidateMeasurer';
import { loadTrainingData } from '../engine/data/trainingData';
import { SubnetEvaluator } from '../engine/evaluate/subnetEvaluator';
import { engineThreads } from '../engine/threads/engineThreads';
import { randomArch } from '../space/randomArch';
import { largestArch, smallestArch } from '../space/arch';
import { archKey } from '#shared/arch';
import { subnetCost } from '../space/facts';

export interface SearchBench {
  engine: string;
  backend: string;
  config: string;
  /** Subnets evaluated (BN recalibration + validation accuracy), and their rate. */
  evaluations: number;
  /** Threads of the evaluations below (the engine's thread limit: evaluation threads, one subnet each). */
  threads: number;
  evals_per_s: number;
  /** The same subnets on one thread, in the same run (passes alternated with the all-threads ones). */
  evals_per_s_1thread: number;
  /** evals_per_s / evals_per_s_1thread. */
  thread_speedup: number;
  /** Images through the network per second during evaluation (calibration + validation). */
  eval_img_s: number;
  calibration_images: number;
  validation_images: number;
  /** onnxruntime-node, batch 1, one thread: median ms of one image. */
  latency_ms: { smallest: number; largest: number; random_median: number };
  /** Time to build and serialise one subnet's ONNX model, median ms. */
  export_ms: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (v: number, digits = 3) => Number(v.toPrecision(digits));

/** An example config (examples/NAME), found from this file upwards. */
export function findExample(name: string, from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const f = path.join(dir, 'examples', name);
    if (existsSync(f)) return f;
    dir = path.dirname(dir);
  }
  throw new Error(`examples/${name} not found`);
}

const findTinyConfig = () => findExample('tiny.supernet.yaml');

/**
 * Search's inner loop on the tiny example's supernet (freshly initialised: speed does
 * not depend on the weights) and its data: subnet evaluations per second as search
 * does them (BN recalibration on the config's batches, then the whole validation
 * split), and latency of exported subnets in onnxruntime-node.
 */
export async function benchSearch(
  opts: { config?: string; backend?: BackendPreference; subnets?: number } = {},
): Promise<SearchBench> {
  const file = opts.config ?? findTinyConfig();
  const config = resolveConfig(readFileSync(file, 'utf8')).config;
  const backend = await selectBackend(opts.backend ?? 'auto');
  const { data } = await loadTrainingData(config, file, {});
  const net = new Supernet(config.space, config.task, new Rng(0));
  const rng = new Rng(1);
  // One generation's worth by default: what a search hands the evaluation threads at once.
  const n = opts.subnets ?? config.search.population;
  const archs = [...Array(n)].map(() => randomArch(config.space, config.task, rng));
  const calibration = runCalibration(config, data);
  try {
    // As search evaluates: all threads = a pool of evaluation threads, one subnet each;
    // one thread = one subnet at a time here. Each evaluator's first batch is untimed (threads
    // start, kernels compile, buffers are allocated on first use).
    const threads = engineThreads();
    const all = new SubnetEvaluator(net, data, calibration, threads);
    const one = new SubnetEvaluator(net, data, calibration, 1);
    const evalSeconds = async (evaluator: SubnetEvaluator) => {
      const t0 = performance.now();
      await evaluator.evaluateAll(archs, () => undefined);
      return (performance.now() - t0) / 1000;
    };
    let seconds: number;
    let oneThread: number;
    try {
      await evalSeconds(all);
      if (threads > 1) await evalSeconds(one);
      // A-B-B-A-A-B, the fastest pass of each: drift on a shared machine favours neither,
      // and a pass that another process disturbed (which costs the all-threads pass more:
      // it has no idle core to lose) is not the one kept.
      seconds = await evalSeconds(all);
      oneThread = seconds;
      if (threads > 1) {
        oneThread = Math.min(await evalSeconds(one), await evalSeconds(one));
        seconds = Math.min(seconds, await evalSeconds(all), await evalSeconds(all));
        oneThread = Math.min(oneThread, await evalSeconds(one));
      }
    } finally {
      await all.close();
    }
    const calibrationImages = calibration.reduce((s, b) => s + b.length, 0);
    const validationImages = data.validationIndices.length;

    const exportMs: number[] = [];
    const latency = async (a: (typeof archs)[number]) => {
      const t = performance.now();
      const bytes = encodeModel(subnetOnnxModel(net, a));
      exportMs.push(performance.now() - t);
      return (await measureLatency(bytes, { threads: 1, warmup: 10, runs: 50 })).medianMs;
    };
    const smallest = await latency(smallestArch(config.space, config.task));
    const largest = await latency(largestArch(config.space, config.task));
    const random: number[] = [];
    for (const a of archs) random.push(await latency(a));
    return {
      engine: `tfjs ${tf.version_core}`,
      backend: backend.name,
      config:
        `${path.basename(file)} (${new Set(archs.map(archKey)).size} random subnets, ` +
        `${Math.round(median(archs.map((a) => subnetCost(config.space, config.task, a).flops)) / 1e3)}k MACs median)`,
      evaluations: n,
      threads,
      evals_per_s: round(n / seconds),
      evals_per_s_1thread: round(n / oneThread),
      thread_speedup: round(oneThread / seconds),
      eval_img_s: Math.round((n * (calibrationImages + validationImages)) / seconds),
      calibration_images: calibrationImages,
      validation_images: validationImages,
      latency_ms: {
        smallest: round(smallest),
        largest: round(largest),
        random_median: round(median(random)),
      },
      export_ms: round(median(exportMs)),
    };
  } finally {
    net.dispose();
  }
}
