import { figureOf } from '#shared/metrics';
import * as tf from '@tensorflow/tfjs-core';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { isUpperBound, meets, parseConstraint, type Constraint } from '#shared/constraints';
import { formatMeasure } from '../search/objectives';
import type { EngineEvent, ExportCommand, ExportEvent } from '#shared/protocol/engine';
import { archInSpace } from '../../space/arch';
import { archKey, parseArchKey, type Arch } from '#shared/arch';
import { BatchAssembler, type TrainingData } from '../data/batches';
import { exportSubnet } from '../export/exportOnnx';
import { subnetOnnxModel } from '../onnx/subnetModel';
import { DEFAULT_LATENCY_RUNS, measureLatency } from '../export/latency';
import { encodeModel, PRODUCER } from '../onnx/onnxGraph';
import { verifyExport } from '../export/verifyOnnx';
import { exportInt8, int8DropWarning, type Int8Export } from '../export/int8Export';
import { DEFAULT_CALIBRATION } from '../quantize/rangeObservers';
import { evalInputsOf, type EvalInputs } from '../onnx/evalInputs';
import type { onnx } from 'onnx-proto';
import { evaluateSubnetOnnx } from '../evaluate/evaluateOnnx';
import type { Candidate, FinetuneResult } from '#shared/runFolder/records';
import { loadTrainingData, type DataOptions } from '../data/trainingData';
import { RunError } from '../runError';
import { CandidateStore } from '../storage/candidateStore';
import { loadRunOnBackend, type LoadedRun } from './loadRun';
import { RunFolder } from '../storage/runFolder';
import { runCalibration } from './candidateMeasurer';
import { exportedAccuracies } from './exportedAccuracies';
import { finetunedWeights } from './finetunedWeights';
import { readFinetuneResult } from './finetuneCheckpoint';

/** Largest |ONNX logit − supernet logit| an export may show. */
export const LOGIT_TOLERANCE = 1e-3;

export interface ExportRunOptions extends DataOptions {
  emit: (e: EngineEvent) => void;
}

/**
 * `flops=300k` (shorthand for the bound a user means: at most for costs, at least for
 * accuracy) or a full constraint such as `flops <= 300k`.
 */
export function parseBestUnder(text: string): Constraint | string {
  const m = /^\s*([A-Za-z]+)\s*=\s*([^=<>]+)$/.exec(text);
  if (!m) return parseConstraint(text);
  const op = m[1].toLowerCase() === 'accuracy' ? '>=' : '<=';
  return parseConstraint(`${m[1]} ${op} ${m[2]}`);
}

/** The most accurate evaluated subnet meeting every constraint (fewer FLOPs on a tie). */
export function bestUnder(
  candidates: Iterable<Candidate>,
  texts: readonly string[],
): Candidate | string {
  const constraints: Constraint[] = [];
  for (const t of texts) {
    const c = parseBestUnder(t);
    if (typeof c === 'string') return c;
    constraints.push(c);
  }
  const all = [...candidates];
  if (!all.length)
    return 'The run has no evaluated subnets yet: run `supernet search` on it first.';
  const ok = all.filter((c) =>
    constraints.every((k) => {
      const v = figureOf(c, k.metric);
      return v !== undefined && meets(k, v);
    }),
  );
  if (!ok.length) {
    const closest = constraints.map((k, i) => {
      const values = all
        .map((c) => figureOf(c, k.metric))
        .filter((v): v is number => v !== undefined);
      const best = isUpperBound(k) ? Math.min(...values) : Math.max(...values);
      return `'${texts[i]}' (best evaluated: ${values.length ? formatMeasure(k.metric, best) : 'none measured'})`;
    });
    return `None of the ${all.length} evaluated subnets meets ${closest.join(' and ')}.`;
  }
  return ok.reduce((best, c) =>
    c.accuracy > best.accuracy || (c.accuracy === best.accuracy && c.flops < best.flops) ? c : best,
  );
}

/** The validation images as one NHWC array with their labels. */
function validationImages(data: TrainingData): { images: Float32Array; labels: Int32Array } {
  const { x, y } = new BatchAssembler(data).gather(data.validationIndices);
  try {
    return { images: x.dataSync() as Float32Array, labels: y.dataSync() as Int32Array };
  } finally {
    tf.dispose([x, y]);
  }
}

/** The subnet's completed fine-tune of these weights, when it has one (the sidecar lists its figure). */
function finetuneOnRecord(
  loaded: LoadedRun,
  key: string,
  exported: FinetuneResult | undefined,
): { finetune?: FinetuneResult; finetuneExported?: boolean } {
  if (exported) return { finetune: exported, finetuneExported: true };
  const r = readFinetuneResult(loaded.folder.finetuneOf(key));
  return r?.sourceSha256 === loaded.checkpointSha256 ? { finetune: r } : {};
}

/** The subnet an export names: its key, checked against the space, or the best under the constraints. */
function exportedArch(cmd: ExportCommand, loaded: LoadedRun, store: CandidateStore): Arch {
  const { config, folder } = loaded;
  if (cmd.key !== undefined) {
    const parsed = parseArchKey(cmd.key);
    if (!parsed)
      throw new RunError(`'${cmd.key}' is not a subnet key (e.g. r28-d2w24k3e2k5e3-d1w32k3e2).`);
    if (!archInSpace(parsed, config.space, config.task))
      throw new RunError(`Subnet ${cmd.key} is not in the search space of run ${folder.id}.`);
    return parsed;
  }
  const current = [...store.byKey.values()].filter((c) => c.checkpointStep === loaded.step);
  const best = bestUnder(current, cmd.bestUnder ?? []);
  if (typeof best === 'string') throw new RunError(best);
  return best.arch;
}

/**
 * Exports one subnet of a trained run as ONNX, after recalibrating its batch norm as
 * search did. The model is checked in onnxruntime-node against the supernet on every
 * validation image before anything is written: logits within LOGIT_TOLERANCE and the
 * same accuracy, else an error and no file. With precision int8, the file is that float
 * model quantised (int8Export.ts) and measured against it; a larger accuracy drop than
 * the command allows is a warning, not an error.
 */
export async function exportRun(cmd: ExportCommand, opts: ExportRunOptions): Promise<ExportEvent> {
  const folder = RunFolder.find(cmd.run, cmd.runsDir);
  const loaded = await loadRunOnBackend(folder);
  const { config, net: weights } = loaded;
  const store = new CandidateStore(folder.candidatesFile);
  const disposeLater: { dispose(): void }[] = [];
  try {
    const arch = exportedArch(cmd, loaded, store);
    const key = archKey(arch);
    // A few-shot run's subnet comes from the sub-supernet whose part holds it; its fine-tuned
    // weights, when asked for, replace its slice in a copy.
    const tuned = cmd.finetuned ? finetunedWeights(loaded, arch) : undefined;
    if (tuned) disposeLater.push(tuned.net);
    const net = tuned?.net ?? weights.supernetOf(arch);
    const recorded = store.get(key);
    const inheritedAccuracy =
      recorded?.checkpointStep === loaded.step ? recorded.accuracy : undefined;
    const recordedAccuracy = tuned ? tuned.result.finetuned.accuracy : inheritedAccuracy;
    const precision = cmd.precision ?? 'float32';
    const file = exportTarget(cmd, folder.exportFile(key, { precision, finetuned: !!tuned }));

    const { data } = await loadTrainingData(config, loaded.configPath, opts);
    // EvaluatedSubnet as search evaluated it, so the statistics folded into the model are the ones
    // its recorded accuracy came from (one onnxruntime thread, as SubnetEvaluator).
    const calibration = runCalibration(config, data);
    const score = await evaluateSubnetOnnx(net, arch, data, calibration, { threads: 1 });
    const floatModel = subnetOnnxModel(net, arch);
    const bytes = encodeModel(floatModel);
    const { images, labels } = validationImages(data);
    const check = await verifyExport(
      bytes,
      net,
      arch,
      images,
      labels.length,
      data.height,
      data.width,
      data.channels,
      { labels, batchSize: 500 },
    );
    const onnxAccuracy = check.onnxAccuracy ?? 0;
    const expected = recordedAccuracy ?? score.accuracy;
    if (!(check.maxAbsDiff < LOGIT_TOLERANCE) || onnxAccuracy !== expected) {
      throw new RunError(
        `The ONNX model of ${key}${tuned ? ' (fine-tuned)' : ''} does not match ${tuned ? 'its fine-tuned weights' : 'the supernet'}: max |Δlogit| ${check.maxAbsDiff.toExponential(2)} ` +
          `(allowed ${LOGIT_TOLERANCE}), accuracy ${(100 * onnxAccuracy).toFixed(2)}% vs ` +
          `${(100 * expected).toFixed(2)}% recorded. Nothing was written.`,
      );
    }
    const int8 =
      precision === 'int8'
        ? await quantiseRun(key, floatModel, evalInputsOf(data, calibration), cmd, opts)
        : undefined;
    const latency = int8 ? undefined : await measureLatency(bytes, { threads: 1 });
    const latencyMs = int8?.figures.latency.int8.batch1Ms ?? latency!.medianMs;
    const accuracy = int8?.figures.int8Accuracy ?? onnxAccuracy;
    const accuracyKind = tuned ? 'finetuned' : 'inherited';
    const written = await exportSubnet(
      net,
      arch,
      file,
      {
        accuracy,
        // The float32 weights' accuracies: an int8 model's own is `int8.int8Accuracy`.
        ...exportedAccuracies(folder, key, {
          kind: accuracyKind,
          exported: onnxAccuracy,
          inherited: tuned?.result.inherited.accuracy ?? inheritedAccuracy ?? onnxAccuracy,
          ...finetuneOnRecord(loaded, key, tuned?.result),
        }),
        ...(int8 ? {} : { loss: score.loss }),
        validationImages: labels.length,
        latencyMs,
        latency: { threads: 1, batch: 1, runs: latency?.runsMs.length ?? DEFAULT_LATENCY_RUNS },
        ...(int8 ? { int8: { ...int8.figures, ...INT8_SCHEME } } : {}),
        maxAbsLogitDiff: check.maxAbsDiff,
        ...provenanceOf(loaded, data),
      },
      int8 ? { precision: 'int8', bytes: int8.bytes } : undefined,
    );
    const event: ExportEvent = {
      type: 'export',
      time: Date.now(),
      key,
      file: written.file,
      sidecarFile: written.sidecarFile,
      bytes: written.bytes,
      maxAbsDiff: check.maxAbsDiff,
      onnxAccuracy: accuracy,
      accuracyKind,
      ...(recordedAccuracy !== undefined ? { recordedAccuracy } : {}),
      latencyMs,
      precision,
      ...(int8 ? { int8: int8.figures } : {}),
    };
    opts.emit(event);
    return event;
  } finally {
    store.close();
    for (const d of disposeLater) d.dispose();
    weights.dispose();
  }
}

/** The int8 scheme, as the sidecar states it for whoever deploys the model. */
const INT8_SCHEME = {
  format: 'ONNX QDQ (QuantizeLinear/DequantizeLinear), opset 13',
  weights: 'int8, symmetric, per output channel; biases int32',
  activations: 'uint8, asymmetric, per tensor',
  calibrationImagesFrom:
    "the run's batch-norm recalibration images: search.bnRecalibrationBatches batches of the training split",
} as const;

/**
 * Quantises the verified float32 model to int8 and measures it (int8Export.ts); warns
 * when the accuracy drop exceeds the command's threshold (MAX_INT8_DROP_POINTS by default).
 */
async function quantiseRun(
  key: string,
  floatModel: onnx.ModelProto,
  inputs: EvalInputs,
  cmd: ExportCommand,
  opts: ExportRunOptions,
): Promise<Int8Export> {
  const [h, w, c] = inputs.input;
  const result = await exportInt8(
    floatModel,
    {
      image: [c, h, w],
      calibration: inputs.calibration,
      validation: inputs.validation,
      labels: inputs.labels,
    },
    cmd.calibration ?? DEFAULT_CALIBRATION,
  );
  const warning = int8DropWarning(key, result.figures, cmd.maxInt8DropPoints);
  if (warning) opts.emit({ type: 'log', time: Date.now(), level: 'warning', message: warning });
  return result;
}

/**
 * Where the exported weights came from, and how to feed the model, for the sidecar. Paths
 * are relative to the run folder: a sidecar travels with its model to other machines and
 * should not carry this machine's folders.
 */
function provenanceOf(loaded: LoadedRun, data: TrainingData) {
  return {
    sourceRun: loaded.folder.id,
    checkpoint: path.relative(loaded.folder.dir, loaded.folder.checkpointFile),
    checkpointStep: loaded.step,
    exportedAt: new Date().toISOString(),
    preprocessing: preprocessingOf(data),
  };
}

/**
 * What a caller must do to an image before the model sees it, as the sidecar documents it:
 * NCHW float32, channels in the data's order, (pixel/255 − mean) / std per channel.
 */
function preprocessingOf(data: TrainingData) {
  return {
    layout: 'NCHW',
    dtype: 'float32',
    channels: data.channels === 3 ? 'RGB' : 'grey',
    height: data.height,
    width: data.width,
    scale: 1 / 255,
    mean: data.normalization?.mean ?? new Array<number>(data.channels).fill(0),
    std: data.normalization?.std ?? new Array<number>(data.channels).fill(1),
    formula:
      'x = (pixel / 255 - mean[c]) / std[c], resized to height × width (the model resizes further to its resolution)',
  };
}

/** Whether `file` is a model this tool exported: its sidecar says so. */
function isOwnExport(file: string): boolean {
  try {
    const meta = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { producer?: unknown };
    return meta.producer === PRODUCER;
  } catch {
    return false;
  }
}

/**
 * An export writes a .onnx file and its .onnx.json sidecar, nothing else: never a run's
 * state files or a config, and over an existing file only when it is an earlier export of
 * this tool, or with --force.
 */
function checkExportTarget(file: string, force: boolean): void {
  if (!file.endsWith('.onnx'))
    throw new RunError(
      `Cannot export to ${file}: an export is a .onnx file (with a .onnx.json sidecar).`,
    );
  for (const f of [file, `${file}.json`]) {
    if (!existsSync(f)) continue;
    if (!statSync(f).isFile()) throw new RunError(`Cannot export to ${file}: ${f} is not a file.`);
    if (!force && !isOwnExport(file))
      throw new RunError(
        `Cannot export to ${file}: ${f} exists and is not an earlier export of Supernet Studio. Choose another file, or give --force to replace it.`,
      );
  }
}

/** The file an export writes, checked before any work: the command's, else `fallback` (its folder made). */
function exportTarget(cmd: ExportCommand, fallback: string): string {
  const file = path.resolve(cmd.file ?? fallback);
  checkExportTarget(file, cmd.force === true);
  if (cmd.file === undefined) mkdirSync(path.dirname(file), { recursive: true });
  checkWritableFolder(file);
  return file;
}

/** Fails before any work when the export's folder is missing or read-only. */
function checkWritableFolder(file: string): void {
  const dir = path.dirname(file);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new RunError(`Cannot write ${file}: the folder ${dir} does not exist.`);
  }
  if (!isDir) throw new RunError(`Cannot write ${file}: ${dir} is not a folder.`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new RunError(`Cannot write ${file}: the folder ${dir} is not writable.`);
  }
}
