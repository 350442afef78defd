import { onnx } from 'onnx-proto';

/**
 * Static int8 quantisation of a subnet's float ONNX graph (onnxGraph.ts, batch norm already
 * folded) into a QDQ graph: a pure transform of the model and the activation ranges that
 * calibration measured (calibrateRanges.ts). Nothing here reads files or runs a model, so
 * whatever weights come in (inherited, fine-tuned) are quantised the same way.
 *
 * - Weights of every Conv and of the Gemm: int8, symmetric (zero point 0, range ±127), one
 *   scale per output channel (Conv: axis 0 of OIHW; Gemm: axis 1 of B [head, classes]),
 *   stored as int8 initializers read through DequantizeLinear. Biases: int32 at scale
 *   input scale × weight scale, as QLinearConv and QGemm take them.
 * - Activations: uint8, asymmetric, one scale and zero point per tensor. uint8 because
 *   most of them come out of ReLU6: [0, 6] gets all 256 levels where int8 would leave the
 *   negative half unused, and x86's integer kernels (VPMADDUBSW, VNNI's VPDPBUSD)
 *   multiply unsigned activations by signed weights (onnxruntime's U8S8 path).
 * - A QuantizeLinear → DequantizeLinear pair follows every tensor a quantisable op reads:
 *   the data input of each Conv and the Gemm, both inputs of each Add, the input of
 *   GlobalAveragePool and of Flatten. Where a conv has ReLU6, the pair follows the Clip, so
 *   onnxruntime can drop the Clip into the quantisation (its range lies inside [0, 6]) and
 *   fuse DequantizeLinear → Conv → QuantizeLinear into one QLinearConv; likewise QLinearAdd,
 *   QLinearGlobalAveragePool and QGemm. The Resize to the subnet's resolution stays float.
 */

/** The range of values a tensor took over the calibration images (0 need not lie in it). */
export interface ActivationRange {
  min: number;
  max: number;
}

/** uint8 asymmetric quantisation of one tensor: q = clamp(round(x / scale) + zeroPoint, 0, 255). */
export interface ActivationQuantisation {
  scale: number;
  zeroPoint: number;
}

/** Ops whose float inputs are quantised, and which of their inputs carry activations. */
const ACTIVATION_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Conv: [0],
  Gemm: [0],
  Add: [0, 1],
  GlobalAveragePool: [0],
  Flatten: [0],
};

const INT8_MAX = 127;
const UINT8_MAX = 255;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The tensors that get a QuantizeLinear → DequantizeLinear pair, in the order nodes read them. */
export function quantisedActivations(model: onnx.IModelProto): string[] {
  const out = new Set<string>();
  for (const n of model.graph?.node ?? []) {
    for (const i of ACTIVATION_INPUTS[n.opType ?? ''] ?? []) {
      const name = n.input?.[i];
      if (name) out.add(name);
    }
  }
  return [...out];
}

/**
 * uint8 parameters of a range: the range widened to hold 0 (so zero padding and ReLU's zeros
 * are exact), scale = (max − min) / 255 rounded to float32 as the model stores it, zero
 * point = round(−min / scale). A range of one value gets scale 1.
 */
export function activationQuantisation(range: ActivationRange): ActivationQuantisation {
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min > range.max)
    throw new Error(`Not a range: [${range.min}, ${range.max}]`);
  const lo = Math.min(range.min, 0);
  const hi = Math.max(range.max, 0);
  const scale = hi > lo ? Math.fround((hi - lo) / UINT8_MAX) : 1;
  const zeroPoint = Math.min(UINT8_MAX, Math.max(0, Math.round(-lo / scale)));
  return { scale, zeroPoint };
}

/**
 * Symmetric int8 quantisation of a weight tensor per output channel: `channelOf(i)` gives
 * the channel of flat index i. scale[c] = max|w| over the channel / 127 (float32), 1 for a
 * channel of zeros; q = round(w / scale[c]) within ±127.
 */
export function quantiseWeights(
  weights: Float32Array,
  channels: number,
  channelOf: (i: number) => number,
): { values: Int8Array; scales: Float32Array } {
  const absMax = new Float64Array(channels);
  for (let i = 0; i < weights.length; i++) {
    const c = channelOf(i);
    absMax[c] = Math.max(absMax[c], Math.abs(weights[i]));
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = absMax[c] > 0 ? absMax[c] / INT8_MAX : 1;
  const values = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const q = Math.round(weights[i] / scales[channelOf(i)]);
    values[i] = Math.max(-INT8_MAX, Math.min(INT8_MAX, q));
  }
  return { values, scales };
}

/** int32 bias at scale inputScale × weightScale[c] per channel, as the integer kernels add it. */
export function quantiseBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
): { values: Int32Array; scales: Float32Array } {
  const scales = new Float32Array(bias.length);
  const values = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    scales[c] = Math.fround(inputScale) * weightScales[c];
    const q = Math.round(bias[c] / scales[c]);
    values[c] = Math.max(INT32_MIN, Math.min(INT32_MAX, q));
  }
  return { values, scales };
}

function rawTensor(
  name: string,
  dims: number[],
  dataType: onnx.TensorProto.DataType,
  bytes: Uint8Array,
): onnx.TensorProto {
  return onnx.TensorProto.create({ name, dims, dataType, rawData: bytes });
}

const bytesOf = (a: Int8Array | Uint8Array | Int32Array | Float32Array): Uint8Array => {
  // Little-endian, as ONNX's raw_data: the byte order of every platform Node runs on.
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
};

const floatsOf = (name: string, dims: number[], v: Float32Array) =>
  rawTensor(name, dims, onnx.TensorProto.DataType.FLOAT, bytesOf(v));

/** The float values of a float32 initializer (raw_data or float_data). */
function initializerFloats(t: onnx.ITensorProto): Float32Array {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT)
    throw new Error(`Initializer ${t.name} is not float32`);
  if (t.rawData && t.rawData.length) {
    const raw = t.rawData;
    const out = new Float32Array(raw.length / 4);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  return Float32Array.from(t.floatData ?? []);
}

const intAttr = (name: string, i: number): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i,
});

/** Reads an INT attribute of a node (with its default when absent). */
function attrInt(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? Number(a.i) : fallback;
}

const dequantised = (t: string) => `${t}.dequantized`;

/** The new nodes and initializers of a QDQ graph, built while the float graph is walked. */
class QdqBuilder {
  /** Initializers added: int8 weights, int32 biases, scales and zero points. */
  readonly added: onnx.ITensorProto[] = [];
  /** Float initializers their quantised copies replace. */
  readonly replaced = new Set<string>();

  constructor(
    private readonly initializers: ReadonlyMap<string, onnx.ITensorProto>,
    readonly params: ReadonlyMap<string, ActivationQuantisation>,
  ) {}

  /** QuantizeLinear → DequantizeLinear of activation `t`, with its parameters. */
  qdqPair(t: string): onnx.INodeProto[] {
    const { scale, zeroPoint } = this.params.get(t)!;
    this.added.push(
      floatsOf(`${t}.scale`, [], Float32Array.of(scale)),
      rawTensor(`${t}.zero_point`, [], onnx.TensorProto.DataType.UINT8, Uint8Array.of(zeroPoint)),
    );
    return [
      {
        opType: 'QuantizeLinear',
        name: `${t}.quantize`,
        input: [t, `${t}.scale`, `${t}.zero_point`],
        output: [`${t}.quantized`],
      },
      {
        opType: 'DequantizeLinear',
        name: `${t}.dequantize`,
        input: [`${t}.quantized`, `${t}.scale`, `${t}.zero_point`],
        output: [dequantised(t)],
      },
    ];
  }

  /**
   * DequantizeLinear of a quantised initializer, per channel along `axis`. int8 weights keep
   * their zero point (0) as an input: without it onnxruntime 1.30 does not fuse the Gemm
   * into QGemm; int32 biases leave it out (default 0), which its fusions accept.
   */
  private dequantise(
    name: string,
    dims: number[],
    q: { values: Int8Array | Int32Array; scales: Float32Array },
    axis: number,
  ): onnx.INodeProto {
    const channels = q.scales.length;
    const int8 = q.values instanceof Int8Array;
    this.replaced.add(name);
    this.added.push(
      rawTensor(
        `${name}.quantized`,
        dims,
        int8 ? onnx.TensorProto.DataType.INT8 : onnx.TensorProto.DataType.INT32,
        bytesOf(q.values),
      ),
      floatsOf(`${name}.scale`, [channels], q.scales),
    );
    if (int8)
      this.added.push(
        rawTensor(
          `${name}.zero_point`,
          [channels],
          onnx.TensorProto.DataType.INT8,
          new Uint8Array(channels),
        ),
      );
    return {
      opType: 'DequantizeLinear',
      name: `${name}.dequantize`,
      input: [`${name}.quantized`, `${name}.scale`, ...(int8 ? [`${name}.zero_point`] : [])],
      output: [dequantised(name)],
      attribute: [intAttr('axis', axis)],
    };
  }

  /**
   * The dequantisation of a Conv's or Gemm's weight and bias, whose input `x` is quantised;
   * the node's inputs are renamed to their dequantised copies.
   */
  parameters(n: onnx.INodeProto, x: string): onnx.INodeProto[] {
    const input = [...(n.input ?? [])];
    const [, wName, bName] = input;
    const w = this.initializers.get(wName);
    if (!w) throw new Error(`${n.name}: its weight ${wName} is not an initializer`);
    const dims = (w.dims ?? []).map(Number);
    const values = initializerFloats(w);
    let q: { values: Int8Array; scales: Float32Array };
    let axis: number;
    if (n.opType === 'Conv') {
      // OIHW: output channel o holds a contiguous block of I·kh·kw values.
      const per = values.length / dims[0];
      q = quantiseWeights(values, dims[0], (i) => Math.floor(i / per));
      axis = 0;
    } else {
      if (attrInt(n, 'transB', 0) !== 0 || attrInt(n, 'transA', 0) !== 0)
        throw new Error(`${n.name}: only Gemm without transposes is quantised`);
      // B [head, classes]: one scale per class, the column.
      const cols = dims[1];
      q = quantiseWeights(values, cols, (i) => i % cols);
      axis = 1;
    }
    const nodes = [this.dequantise(wName, dims, q, axis)];
    input[1] = dequantised(wName);
    if (bName) {
      const b = this.initializers.get(bName);
      if (!b) throw new Error(`${n.name}: its bias ${bName} is not an initializer`);
      const bias = quantiseBias(initializerFloats(b), this.params.get(x)!.scale, q.scales);
      nodes.push(this.dequantise(bName, [bias.values.length], bias, 0));
      input[2] = dequantised(bName);
    }
    n.input = input;
    return nodes;
  }
}

/**
 * The QDQ model of a float subnet model: see the module comment. `ranges` must hold every
 * tensor of quantisedActivations(model). The float model is not changed.
 */
export function quantiseModel(
  model: onnx.IModelProto,
  ranges: ReadonlyMap<string, ActivationRange>,
): onnx.ModelProto {
  const graph = model.graph;
  if (!graph) throw new Error('The model has no graph');
  const activations = quantisedActivations(model);
  const params = new Map<string, ActivationQuantisation>();
  for (const t of activations) {
    const r = ranges.get(t);
    if (!r) throw new Error(`No calibrated range for tensor ${t}`);
    params.set(t, activationQuantisation(r));
  }
  const b = new QdqBuilder(
    new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t])),
    params,
  );
  const nodes: onnx.INodeProto[] = [];
  const inputs = new Set((graph.input ?? []).map((i) => i.name ?? ''));
  for (const t of activations) if (inputs.has(t)) nodes.push(...b.qdqPair(t));
  for (const original of graph.node ?? []) {
    // Every reader of a quantised tensor reads its dequantised copy.
    const n: onnx.INodeProto = {
      ...original,
      input: (original.input ?? []).map((name) => (params.has(name) ? dequantised(name) : name)),
    };
    if (n.opType === 'Conv' || n.opType === 'Gemm')
      nodes.push(...b.parameters(n, original.input?.[0] ?? ''));
    nodes.push(n);
    // The pair follows its producer: the graph stays in topological order.
    for (const out of n.output ?? []) if (params.has(out)) nodes.push(...b.qdqPair(out));
  }
  return onnx.ModelProto.create({
    ...model,
    graph: {
      ...graph,
      node: nodes,
      initializer: [
        ...(graph.initializer ?? []).filter((t) => !b.replaced.has(t.name ?? '')),
        ...b.added,
      ],
    },
    metadataProps: [...(model.metadataProps ?? []), { key: 'precision', value: 'int8' }],
  });
}
