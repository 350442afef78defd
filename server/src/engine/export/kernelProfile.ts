import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from '../onnx/runtime';

/** One event of onnxruntime's profile (Chrome trace format); nodes carry their op. */
interface ProfileEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string };
}

/** What onnxruntime ran for one op type, per run of a profiled session. */
export interface KernelUse {
  /** Nodes of this op type that ran. */
  nodes: number;
  /** Their summed kernel time, microseconds (the mean over the runs). */
  microseconds: number;
}

/**
 * The kernels onnxruntime-node ran for a model, by op type, read from its own profile of
 * `runs` runs on `input` (sessionOptions.enableProfiling, all graph optimisations, one
 * thread; the first run, cold, is among them): after its QDQ fusions an int8 model shows
 * QLinearConv, QLinearAdd, QGemm… where a float fallback would show Conv,
 * DequantizeLinear and QuantizeLinear.
 */
export async function profileKernels(
  model: Uint8Array,
  input: { name: string; data: Float32Array; dims: number[] },
  runs = 1,
): Promise<Map<string, KernelUse>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'supernet-profile-'));
  try {
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      enableProfiling: true,
      profileFilePrefix: path.join(dir, 'profile'),
    });
    try {
      const feed = new ort.Tensor('float32', input.data, input.dims);
      for (let i = 0; i < runs; i++) {
        const out = await session.run({ [input.name]: feed });
        for (const t of Object.values(out)) t.dispose();
      }
      session.endProfiling();
    } finally {
      await session.release();
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as ProfileEvent[];
    const uses = new Map<string, KernelUse>();
    for (const e of events) {
      const op = e.args?.op_name;
      if (e.cat !== 'Node' || !op || !e.name?.endsWith('_kernel_time')) continue;
      const u = uses.get(op) ?? { nodes: 0, microseconds: 0 };
      uses.set(op, { nodes: u.nodes + 1, microseconds: u.microseconds + (e.dur ?? 0) });
    }
    for (const [op, u] of uses)
      uses.set(op, { nodes: u.nodes / runs, microseconds: u.microseconds / runs });
    return uses;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
