import { promises as fs } from 'node:fs';
import { onnx } from 'onnx-proto';
import * as ort from '../onnx/runtime';
import { INPUT_NAME } from '../onnx/onnxGraph';

export interface LatencyOptions {
  /** intraOpNumThreads and interOpNumThreads (default 1). */
  threads?: number;
  /** Untimed runs first (default 5). */
  warmup?: number;
  /** Timed runs (default 30). */
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
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  const warmup = Math.max(0, Math.floor(options.warmup ?? 5));
  const runs = Math.max(1, Math.floor(options.runs ?? 30));
  const batch = Math.max(1, Math.floor(options.batch ?? 1));
  const bytes = typeof file === 'string' ? await fs.readFile(file) : file;
  const { name, dims } = inputShape(onnx.ModelProto.decode(bytes), batch);
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s >>> 8) / (1 << 24);
  }
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: threads,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const runsMs: number[] = [];
  try {
    const feeds = { [name]: new ort.Tensor('float32', data, dims) };
    for (let i = 0; i < warmup + runs; i++) {
      const t0 = process.hrtime.bigint();
      const out = await session.run(feeds);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      for (const t of Object.values(out)) t.dispose();
      if (i >= warmup) runsMs.push(ms);
    }
  } finally {
    await session.release();
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return {
    medianMs: median(sorted),
    p90Ms: percentile(sorted, 0.9),
    meanMs: runsMs.reduce((a, b) => a + b, 0) / runsMs.length,
    runsMs,
    threads,
    batch,
  };
}
