import { promises as fs } from 'node:fs';
import { onnx } from 'onnx-proto';
import * as ort from '../onnx/runtime';
import { INPUT_NAME } from '../onnx/onnxGraph';

/** Timed runs of a latency measurement unless told otherwise. */
export const DEFAULT_LATENCY_RUNS = 30;

export interface LatencyOptions {
  /** intraOpNumThreads and interOpNumThreads (default 1). */
  threads?: number;
  /** Untimed runs first (default 5). */
  warmup?: number;
  /** Timed runs (default DEFAULT_LATENCY_RUNS). */
  runs?: number;
  /** Images per run (default 1). */
  batch?: number;
}

export interface LatencyResult {
  medianMs: number;
  p90Ms: number;
  meanMs: number;
  /** Every timed run, in the order they ran. */
  runsMs: number[];
  threads: number;
  batch: number;
}

/** Median of sorted values (mean of the two middle ones for an even count). */
function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Input shape of the model's first input, with symbolic dimensions set to `batch`. */
function inputShape(model: onnx.ModelProto, batch: number): { name: string; dims: number[] } {
  const input = model.graph?.input?.[0];
  const dims = input?.type?.tensorType?.shape?.dim;
  if (!input || !dims) throw new Error('The model declares no input shape');
  return {
    name: input.name || INPUT_NAME,
    dims: dims.map((d, i) => {
      const v = Number(d.dimValue ?? 0);
      if (v > 0) return v;
      if (i === 0) return batch;
      throw new Error(`Input dimension ${i} of the model is not fixed`);
    }),
  };
}

/**
 * Time of one `session.run` of the model on CPU (onnxruntime-node, sequential execution,
 * all graph optimisations), on a fixed pseudo-random input of `batch` images. Caching
 * the result (per model hash or arch key) is the caller's job.
 */
export async function measureLatency(
  file: string | Uint8Array,
  options: LatencyOptions = {},
): Promise<LatencyResult> {
  return (await measureLatencies([file], options))[0];
}

/** A fixed pseudo-random input of `n` values in [0, 1). */
function fixedInput(n: number): Float32Array {
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s >>> 8) / (1 << 24);
  }
  return data;
}

/**
 * measureLatency of several models (say a float32 model and its int8 quantisation) with
 * their runs alternated, one of each in turn, so that a change in the machine's load
 * during the measurement falls on all of them alike and their ratio stays fair.
 */
export async function measureLatencies(
  files: readonly (string | Uint8Array)[],
  options: LatencyOptions = {},
): Promise<LatencyResult[]> {
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  const warmup = Math.max(0, Math.floor(options.warmup ?? 5));
  const runs = Math.max(1, Math.floor(options.runs ?? DEFAULT_LATENCY_RUNS));
  const batch = Math.max(1, Math.floor(options.batch ?? 1));
  const models: { session: ort.InferenceSession; feeds: Record<string, ort.Tensor> }[] = [];
  try {
    for (const file of files) {
      const bytes = typeof file === 'string' ? await fs.readFile(file) : file;
      const { name, dims } = inputShape(onnx.ModelProto.decode(bytes), batch);
      const data = fixedInput(dims.reduce((a, b) => a * b, 1));
      const session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: threads,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      models.push({ session, feeds: { [name]: new ort.Tensor('float32', data, dims) } });
    }
    const runsMs = models.map((): number[] => []);
    for (let i = 0; i < warmup + runs; i++) {
      for (const [m, { session, feeds }] of models.entries()) {
        const t0 = process.hrtime.bigint();
        const out = await session.run(feeds);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        for (const t of Object.values(out)) t.dispose();
        if (i >= warmup) runsMs[m].push(ms);
      }
    }
    return runsMs.map((r) => {
      const sorted = [...r].sort((a, b) => a - b);
      return {
        medianMs: median(sorted),
        p90Ms: percentile(sorted, 0.9),
        meanMs: r.reduce((a, b) => a + b, 0) / r.length,
        runsMs: r,
        threads,
        batch,
      };
    });
  } finally {
    for (const { session } of models) await session.release();
  }
}
