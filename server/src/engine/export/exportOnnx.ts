import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { archKey, type Arch } from '#shared/arch';
import { openTemp, writeFully } from '#shared/runFolder/durable';
import type { ExportPrecision } from '#shared/protocol/engine';
import { subnetCost } from '../../space/facts';
import type { Supernet } from '../model/supernet';
import {
  BATCH_DIM,
  INPUT_NAME,
  IR_VERSION,
  OPSET,
  OUTPUT_NAME,
  PRODUCER,
  encodeModel,
  onnxParamCount,
} from '../onnx/onnxGraph';
import { subnetOnnxModel } from '../onnx/subnetModel';

export interface ExportResult {
  /** The model file, as given. */
  file: string;
  /** Size of the model file in bytes. */
  bytes: number;
  /** `<file>.json`: what the model is and where it came from. */
  sidecarFile: string;
}

/** A model other than the subnet's float32 one to write in its place. */
export interface QuantisedModel {
  precision: Exclude<ExportPrecision, 'float32'>;
  bytes: Uint8Array;
}

/**
 * Exports `arch` as an ONNX model to `file` and writes `<file>.json` next to it: the arch,
 * its key, its precision, analytic FLOPs and parameters, the model's interface, a SHA-256 of
 * the model (a cache key for latency), and whatever the caller adds in `sidecar` (accuracy,
 * latency, source run, checkpoint…). The computed fields win over the caller's. The model
 * is the subnet's float32 graph, or `quantised` (an int8 graph of it) when given.
 * Both files are written atomically: nothing half-written is ever left at either path.
 */
export async function exportSubnet(
  net: Supernet,
  arch: Arch,
  file: string,
  sidecar: object = {},
  quantised?: QuantisedModel,
): Promise<ExportResult> {
  const model = subnetOnnxModel(net, arch);
  const bytes = quantised?.bytes ?? encodeModel(model);
  const cost = subnetCost(net.space, net.task, arch);
  const [h, w, c] = net.task.input;
  const sidecarFile = `${file}.json`;
  const meta = {
    ...sidecar,
    format: 'onnx',
    model: path.basename(file),
    precision: quantised?.precision ?? 'float32',
    producer: PRODUCER,
    opset: OPSET,
    irVersion: IR_VERSION,
    input: { name: INPUT_NAME, shape: [BATCH_DIM, c, h, w], layout: 'NCHW', dtype: 'float32' },
    output: { name: OUTPUT_NAME, shape: [BATCH_DIM, net.task.classes], dtype: 'float32' },
    arch,
    archKey: archKey(arch),
    resolution: net.plan(arch).input,
    flops: cost.flops,
    params: cost.params,
    /** Parameters after batch norm is folded into the convolutions: what the model stores
     * (in int8, the same number of weights, each a byte, and int32 biases). */
    onnxParams: onnxParamCount(model),
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  await writeFilesAtomically([
    [file, bytes],
    [sidecarFile, new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n')],
  ]);
  return { file, bytes: bytes.length, sidecarFile };
}

/**
 * Writes each file atomically: a temporary file in the same folder, fsync, then rename
 * over the target. All temporaries are written before any rename, and on any error the
 * temporaries are removed; the error names the path that could not be written.
 * Each file is whole, old or new; only a failure between two renames (same folder, so
 * very unlikely) could leave a new model next to an old sidecar.
 */
export async function writeFilesAtomically(files: [string, Uint8Array][]): Promise<void> {
  const temps: string[] = [];
  let current = '';
  try {
    for (const [file, data] of files) {
      current = file;
      const { tmp, fd } = openTemp(path.resolve(file));
      temps.push(tmp);
      try {
        // Every byte or an error naming the file: a full disk's short write is no success.
        writeFully(fd, data, tmp);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    for (let i = 0; i < files.length; i++) {
      current = files[i][0];
      await fs.rename(temps[i], files[i][0]);
      temps[i] = '';
    }
  } catch (err) {
    await Promise.all(temps.filter((t) => t).map((t) => fs.rm(t, { force: true }).catch(() => {})));
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Cannot write ${path.resolve(current)}: ${reason}`, { cause: err });
  }
  // Make the renames durable too (best effort: not every platform can fsync a folder).
  for (const dir of new Set(files.map(([f]) => path.dirname(path.resolve(f))))) {
    try {
      const handle = await fs.open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // ignore
    }
  }
}
