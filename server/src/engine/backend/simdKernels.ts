import * as tf from '@tensorflow/tfjs-core';
import { gradientConvInfo, type ConvInfo } from './convWindows';
import {
  BN_BACKWARD_PARAMS,
  BN_FORWARD_PARAMS,
  CENTRED_SQUARES_PARAMS,
  COLUMN_PARAMS,
  DEPTHWISE_PARAMS,
  RELU6_GRAD_PARAMS,
  simdModuleBytes,
} from './simdModule';

/**
 * DepthwiseConv2dNative and its two gradients on the wasm backend, computed by the SIMD module
 * of simdModule.ts directly in the backend's memory. Cases it does not cover
 * (channel multiplier above 1, dilations, unequal strides, NCHW) go to `fallback`.
 */

/** The few WebAssembly APIs used here; the project's type libraries do not declare them. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What the kernels need of tfjs-backend-wasm's BackendWasm, which the package does not type. */
interface WasmBackendInternals {
  wasm: { asm: { memory: WasmMemory } };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

type SimdFn = (...args: number[]) => void;
interface SimdFns {
  depthwise: SimdFn;
  columnSum: SimdFn;
  columnDot: SimdFn;
  relu6Grad: SimdFn;
  bnForward: SimdFn;
  bnForwardRelu6: SimdFn;
  bnBackward: SimdFn;
  centredSquares: SimdFn;
}

const MODE = { forward: 0, filterGrad: 1, inputGrad: 2 } as const;

let compiled: object | undefined;
const instances = new WeakMap<WasmMemory, SimdFns>();

function simd(memory: WasmMemory): SimdFns {
  let fns = instances.get(memory);
  if (!fns) {
    compiled ??= new WebAssemblyApi.Module(simdModuleBytes());
    const instance = new WebAssemblyApi.Instance(compiled, { env: { memory } });
    fns = instance.exports as unknown as SimdFns;
    instances.set(memory, fns);
  }
  return fns;
}

function internals(backend: unknown): WasmBackendInternals {
  return backend as WasmBackendInternals;
}

function offsetOf(b: WasmBackendInternals, t: tf.TensorInfo): number {
  const entry = b.dataIdMap.get(t.dataId);
  if (!entry) throw new Error('depthwise kernel: a tensor has no data on the wasm backend');
  return entry.memoryOffset;
}

/** Whether the module computes this convolution; otherwise the fallback does. */
function covered(info: ConvInfo, dtype: tf.DataType): boolean {
  return (
    dtype === 'float32' &&
    info.dataFormat === 'channelsLast' &&
    info.inChannels === info.outChannels &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.strideHeight === info.strideWidth
  );
}

/**
 * Runs the module in `mode` with the three tensors in their roles and returns the one that
 * accumulates, allocated here and zeroed first.
 */
function run(
  b: WasmBackendInternals,
  mode: number,
  info: ConvInfo,
  roles: { input?: tf.TensorInfo; output?: tf.TensorInfo; filter?: tf.TensorInfo },
  resultShape: number[],
): tf.TensorInfo {
  const result = b.makeOutput(resultShape, 'float32');
  // makeOutput may grow the heap, so the memory and its buffer are read after it.
  const memory = b.wasm.asm.memory;
  const size = resultShape.reduce((a, d) => a * d, 1);
  new Float32Array(memory.buffer, offsetOf(b, result), size).fill(0);
  const work =
    info.batchSize * info.outHeight * info.outWidth * info.filterHeight * info.filterWidth;
  if (work === 0 || info.inChannels === 0) return result;
  const at = (t: tf.TensorInfo | undefined) => offsetOf(b, t ?? result);
  const args: Record<(typeof DEPTHWISE_PARAMS)[number], number> = {
    mode,
    input: at(roles.input),
    output: at(roles.output),
    filter: at(roles.filter),
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    stride: info.strideHeight,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
  simd(memory).depthwise(...DEPTHWISE_PARAMS.map((p) => args[p]));
  return result;
}

export function depthwiseForwardKernel(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNative,
    backendName: fallback.backendName,
    setupFunc: fallback.setupFunc,
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeAttrs;
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filter.shape as [number, number, number, number],
        attrs.strides,
        attrs.dilations ?? 1,
        attrs.pad,
        attrs.dimRoundingMode,
        true,
        attrs.dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast',
      );
      if (!covered(info, x.dtype)) return fallback.kernelFunc(args);
      const b = internals(args.backend);
      return run(b, MODE.forward, info, { input: x, filter }, info.outShape);
    },
  };
}

export function depthwiseFilterGradKernel(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: fallback.backendName,
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
      if (!tf.backend_util.tupleValuesAreOne(attrs.dilations ?? 1)) {
        return fallback.kernelFunc(args);
      }
      const info = gradientConvInfo(
        tf.DepthwiseConv2dNativeBackpropFilter,
        x.shape,
        attrs.filterShape,
        dy.shape,
        attrs,
        true,
      );
      if (!covered(info, x.dtype)) return fallback.kernelFunc(args);
      const b = internals(args.backend);
      return run(b, MODE.filterGrad, info, { input: x, output: dy }, [...attrs.filterShape]);
    },
  };
}

export function depthwiseInputGradKernel(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: fallback.backendName,
    kernelFunc: (args) => {
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
      if (!tf.backend_util.tupleValuesAreOne(attrs.dilations ?? 1)) {
        return fallback.kernelFunc(args);
      }
      const info = gradientConvInfo(
        tf.DepthwiseConv2dNativeBackpropInput,
        attrs.inputShape,
        filter.shape,
        dy.shape,
        attrs,
        true,
      );
      if (!covered(info, dy.dtype)) return fallback.kernelFunc(args);
      const b = internals(args.backend);
      return run(b, MODE.inputGrad, info, { output: dy, filter }, [...attrs.inputShape]);
    },
  };
}

/** Kernel names of the per-channel reductions batch norm uses (see simdOps.ts). */
export const COLUMN_SUM = 'SupernetColumnSum';
export const COLUMN_DOT = 'SupernetColumnDot';

/** [m, c] (and [m, c]) -> [1, c]: column sums of `a`, or of `a * b`. */
export function columnKernel(kernelName: string, backendName: string): tf.KernelConfig {
  const withB = kernelName === COLUMN_DOT;
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b?: tf.TensorInfo };
      const [rows, channels] = a.shape;
      const wasm = internals(backend);
      const out = wasm.makeOutput([1, channels], 'float32');
      const memory = wasm.wasm.asm.memory;
      new Float32Array(memory.buffer, offsetOf(wasm, out), channels).fill(0);
      if (rows === 0 || channels === 0) return out;
      const args: Record<(typeof COLUMN_PARAMS)[number], number> = {
        a: offsetOf(wasm, a),
        b: withB && b ? offsetOf(wasm, b) : 0,
        out: offsetOf(wasm, out),
        rows,
        channels,
      };
      const fns = simd(memory);
      (withB ? fns.columnDot : fns.columnSum)(...COLUMN_PARAMS.map((p) => args[p]));
      return out;
    },
  };
}

export const RELU6_GRAD = 'SupernetRelu6Grad';

/** dy where 0 < y < 6, else 0: the gradient of ReLU6 from its output y. */
export function relu6GradKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: RELU6_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { dy, y } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
      const wasm = internals(backend);
      const out = wasm.makeOutput([...dy.shape], 'float32');
      const count = dy.shape.reduce((a, d) => a * d, 1);
      if (count === 0) return out;
      const args: Record<(typeof RELU6_GRAD_PARAMS)[number], number> = {
        dy: offsetOf(wasm, dy),
        y: offsetOf(wasm, y),
        out: offsetOf(wasm, out),
        count,
      };
      simd(wasm.wasm.asm.memory).relu6Grad(...RELU6_GRAD_PARAMS.map((p) => args[p]));
      return out;
    },
  };
}

export const BN_FORWARD = 'SupernetBnForward';
export const BN_BACKWARD = 'SupernetBnBackward';
export const CENTRED_SQUARES = 'SupernetCentredSquares';

/**
 * A kernel over [rows, channels] tensors and [channels] vectors (simdModule.ts, channelwise),
 * the first of `params` being a [rows, channels] input:
 * `outputs` are allocated as [rows, channels] (or [1, channels] when `perChannel`), zeroed,
 * and passed to the module function after the inputs, in the order of `params`.
 */
function channelwiseKernel(
  kernelName: string,
  backendName: string,
  params: readonly string[],
  outputs: readonly string[],
  perChannel: boolean,
  fn: (fns: SimdFns, attrs: tf.NamedAttrMap) => SimdFn,
): tf.KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const named = inputs as Record<string, tf.TensorInfo>;
      // The first parameter is always the [rows, channels] input.
      const [rows, channels] = named[params[0]].shape;
      const wasm = internals(backend);
      const made = outputs.map((name) => {
        const t = wasm.makeOutput(perChannel ? [1, channels] : [rows, channels], 'float32');
        return [name, t] as const;
      });
      const memory = wasm.wasm.asm.memory;
      for (const [, t] of made) {
        new Float32Array(memory.buffer, offsetOf(wasm, t), t.shape[0] * t.shape[1]).fill(0);
      }
      if (rows > 0 && channels > 0) {
        const tensors: Record<string, tf.TensorInfo> = { ...named, ...Object.fromEntries(made) };
        const args = params.map((p) =>
          p === 'rows' ? rows : p === 'channels' ? channels : offsetOf(wasm, tensors[p]),
        );
        fn(simd(memory), attrs ?? {})(...args);
      }
      const outs = made.map(([, t]) => t);
      return outs.length === 1 ? outs[0] : outs;
    },
  };
}

export function bnForwardKernel(backendName: string): tf.KernelConfig {
  return channelwiseKernel(
    BN_FORWARD,
    backendName,
    BN_FORWARD_PARAMS,
    ['xhat', 'y'],
    false,
    (f, a) => (a.relu6 ? f.bnForwardRelu6 : f.bnForward),
  );
}

export function bnBackwardKernel(backendName: string): tf.KernelConfig {
  return channelwiseKernel(
    BN_BACKWARD,
    backendName,
    BN_BACKWARD_PARAMS,
    ['dx'],
    false,
    (f) => f.bnBackward,
  );
}

export function centredSquaresKernel(backendName: string): tf.KernelConfig {
  return channelwiseKernel(
    CENTRED_SQUARES,
    backendName,
    CENTRED_SQUARES_PARAMS,
    ['out'],
    true,
    (f) => f.centredSquares,
  );
}
