import { onnx } from 'onnx-proto';
import { residualSources, type ConvLayer, type Layer } from '../../space/layers';
import { BN_EPSILON } from '../model/ops';

/**
 * ONNX graph of a standalone subnet, built from plain Float32Arrays (no tensors, no
 * I/O). The graph computes what the engine's eval-mode forward pass computes:
 *
 *   images [batch, C, H, W] (NCHW, the task's input size)
 *   → Resize (bilinear, half_pixel: tf.image.resizeBilinear with halfPixelCenters)
 *     when the subnet's resolution differs from the input
 *   → per conv layer: Conv with batch norm folded into weight and bias, explicit pads
 *     reproducing TF 'same' padding, then Clip(0, 6) where the layer has ReLU6
 *   → Add for residual blocks
 *   → GlobalAveragePool → Flatten → Gemm = logits [batch, classes]
 */

export const OPSET = 13;
/** IR version 8 (ONNX 1.10, the schema onnx-proto ships); onnxruntime ≥ 1.10 loads it. */
export const IR_VERSION = 8;
export const PRODUCER = 'supernet-studio';
export const INPUT_NAME = 'images';
export const OUTPUT_NAME = 'logits';
export const BATCH_DIM = 'batch';

/** One convolution's TF-layout kernel and its batch-norm parameters and running statistics. */
export interface ConvWeights {
  /** [kh, kw, cin, cout] for a full convolution, [kh, kw, C, 1] for a depthwise one, row-major. */
  kernel: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
}

/** A standalone subnet's structure and weights as plain arrays. */
export interface SubnetWeights {
  /** The subnet's layer list (space/layers.ts). */
  layers: Layer[];
  /** The subnet's input height and width after elastic resolution. */
  resolution: [number, number];
  convs: ReadonlyMap<string, ConvWeights>;
  /** [head, classes], row-major (TF's matMul(x, W) layout). */
  classifierWeight: Float32Array;
  classifierBias: Float32Array;
}

export interface OnnxModelOptions {
  /** The task's input [height, width, channels]: what the exported model takes. */
  input: readonly number[];
  /** Stored in the model's metadata_props. */
  metadata?: Record<string, string>;
  producerVersion?: string;
  docString?: string;
  /**
   * Batch norm with the batch's statistics instead of the running ones, which the model then
   * also outputs per conv layer (`<layer>.batch_mean`, `<layer>.batch_variance`, [1, C, 1, 1]):
   * the forward pass of batch-norm recalibration (Supernet.calibrate). Not folded.
   */
  batchStatistics?: boolean;
  /**
   * A piece of a subnet that does not end with the classifier (a device's latency table
   * times pieces alone, devices/unitModels.ts): its last layer's output, [C, H, W], is the
   * model's output.
   */
  pieceOutput?: [number, number, number];
}

/** The graph outputs holding a conv layer's batch statistics (see batchStatistics). */
export const batchMeanName = (layer: string): string => `${layer}.batch_mean`;
export const batchVarianceName = (layer: string): string => `${layer}.batch_variance`;

/** TF 'same' padding along one axis: [begin, end], the odd pixel at the end. */
export function samePads(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

/**
 * Batch norm folded into the convolution, transposed to ONNX's OIHW:
 *   s = gamma / sqrt(var + eps), w' = w·s (per output channel), b' = beta − mean·s.
 * A full kernel [kh,kw,cin,cout] becomes [cout,cin,kh,kw]; a depthwise one [kh,kw,C,1]
 * becomes [C,1,kh,kw] (run with group = C). Computed in float64, stored as float32.
 */
export function foldConvBn(
  layer: ConvLayer,
  w: ConvWeights,
  epsilon = BN_EPSILON,
): { weight: Float32Array; bias: Float32Array; dims: [number, number, number, number] } {
  const k = layer.kernel;
  const { cin, cout } = layer;
  const depthwise = layer.groups !== 1;
  if (depthwise && (layer.groups !== cin || cin !== cout))
    throw new Error(`${layer.name}: a grouped convolution must be depthwise (groups = cin = cout)`);
  const expected = depthwise ? k * k * cin : k * k * cin * cout;
  if (w.kernel.length !== expected)
    throw new Error(`${layer.name}: kernel has ${w.kernel.length} values, expected ${expected}`);
  for (const [name, v] of Object.entries({
    gamma: w.gamma,
    beta: w.beta,
    mean: w.mean,
    variance: w.variance,
  })) {
    if (v.length !== cout)
      throw new Error(`${layer.name}: ${name} has ${v.length} values, expected ${cout}`);
  }
  const scale = new Float64Array(cout);
  const bias = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    scale[o] = w.gamma[o] / Math.sqrt(w.variance[o] + epsilon);
    bias[o] = w.beta[o] - w.mean[o] * scale[o];
  }
  return { ...oihwKernel(layer, w.kernel, scale), bias };
}

/** A TF-layout kernel in ONNX's OIHW layout, each output channel o multiplied by scale[o]. */
function oihwKernel(
  layer: ConvLayer,
  kernel: Float32Array,
  scale: Float64Array,
): { weight: Float32Array; dims: [number, number, number, number] } {
  const k = layer.kernel;
  const { cin, cout } = layer;
  const depthwise = layer.groups !== 1;
  const expected = depthwise ? k * k * cin : k * k * cin * cout;
  const w = { kernel };
  const weight = new Float32Array(expected);
  if (depthwise) {
    // TF [y][x][c][0] → ONNX [c][0][y][x]
    for (let c = 0; c < cin; c++)
      for (let y = 0; y < k; y++)
        for (let x = 0; x < k; x++)
          weight[(c * k + y) * k + x] = w.kernel[(y * k + x) * cin + c] * scale[c];
    return { weight, dims: [cin, 1, k, k] };
  }
  // TF [y][x][i][o] → ONNX [o][i][y][x]
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < cin; i++)
      for (let y = 0; y < k; y++)
        for (let x = 0; x < k; x++)
          weight[((o * cin + i) * k + y) * k + x] =
            w.kernel[((y * k + x) * cin + i) * cout + o] * scale[o];
  return { weight, dims: [cout, cin, k, k] };
}

/** Float32 initializer, little-endian raw data. */
export function floatTensor(name: string, dims: number[], data: Float32Array): onnx.TensorProto {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: raw,
  });
}

/** Int64 initializer, little-endian raw data. */
export function int64Tensor(
  name: string,
  dims: number[],
  data: readonly number[],
): onnx.TensorProto {
  const raw = new Uint8Array(data.length * 8);
  const view = new DataView(raw.buffer);
  data.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: raw,
  });
}

const intsAttr = (name: string, ints: number[]): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints,
});
const intAttr = (name: string, i: number): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i,
});
const floatAttr = (name: string, f: number): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.FLOAT,
  f,
});
const stringAttr = (name: string, s: string): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.STRING,
  s: new TextEncoder().encode(s),
});

type Dim = number | string;

function valueInfo(name: string, dims: Dim[]): onnx.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  });
}

/** Collects nodes and initializers; shared by the subnet graph and the stand-alone resize graph. */
class GraphBuilder {
  readonly nodes: onnx.NodeProto[] = [];
  readonly initializers: onnx.TensorProto[] = [];

  node(
    opType: string,
    name: string,
    inputs: string[],
    output: string,
    attribute: onnx.IAttributeProto[] = [],
  ): string {
    this.nodes.push(
      onnx.NodeProto.create({ opType, name, input: inputs, output: [output], attribute }),
    );
    return output;
  }

  /**
   * Bilinear resize of NCHW `x` to [h, w], matching tf.image.resizeBilinear with
   * halfPixelCenters (x_in = (x_out + 0.5)·in/out − 0.5, clamped to the edge, no
   * antialiasing). The target is given as `sizes` = [N, C] of the input ++ [h, w], so
   * the scale ORT uses is exactly out/in and the batch stays symbolic.
   */
  resize(x: string, h: number, w: number, name = 'resize'): string {
    this.initializers.push(
      int64Tensor(`${name}.slice_starts`, [1], [0]),
      int64Tensor(`${name}.slice_ends`, [1], [2]),
      int64Tensor(`${name}.hw`, [2], [h, w]),
    );
    const shape = this.node('Shape', `${name}.shape`, [x], `${name}.shape`);
    const nc = this.node(
      'Slice',
      `${name}.batch_channels`,
      [shape, `${name}.slice_starts`, `${name}.slice_ends`],
      `${name}.batch_channels`,
    );
    const sizes = this.node('Concat', `${name}.sizes`, [nc, `${name}.hw`], `${name}.sizes`, [
      intAttr('axis', 0),
    ]);
    // Inputs: X, roi (unused), scales (omitted: sizes is given), sizes.
    return this.node('Resize', name, [x, '', '', sizes], name, [
      stringAttr('mode', 'linear'),
      stringAttr('coordinate_transformation_mode', 'half_pixel'),
    ]);
  }

  graph(
    name: string,
    input: onnx.ValueInfoProto,
    output: onnx.ValueInfoProto,
    extraOutputs: onnx.ValueInfoProto[] = [],
  ): onnx.GraphProto {
    return onnx.GraphProto.create({
      name,
      node: this.nodes,
      initializer: this.initializers,
      input: [input],
      output: [output, ...extraOutputs],
    });
  }

  /**
   * Batch norm of NCHW `y` over its batch's statistics, as the engine computes it in
   * 'calibrate' mode: μ and σ² over (N, H, W), (y − μ)·γ/√(σ² + ε) + β, with μ and the
   * biased σ² kept as outputs of their own, [C]. One BatchNormalization in training mode:
   * with momentum 0 its "running" outputs are the batch's own statistics. It reads the data
   * three times and writes it once, where the statistics built of GlobalAveragePool, Sub,
   * ReduceSumSquare and an eval-mode BatchNormalization wrote a centred copy as well and
   * ran 20–25% slower over a recalibration of the reference net (lab/recal-profile.ts).
   */
  batchNorm(y: string, name: string, w: ConvWeights, channels: number): string {
    this.initializers.push(
      floatTensor(`${name}.gamma`, [channels], w.gamma),
      floatTensor(`${name}.beta`, [channels], w.beta),
      floatTensor(`${name}.zeros`, [channels], new Float32Array(channels)),
    );
    this.nodes.push(
      onnx.NodeProto.create({
        opType: 'BatchNormalization',
        name: `${name}.bn`,
        // Inputs: X, scale, bias, and the "running" statistics that momentum 0 ignores.
        input: [y, `${name}.gamma`, `${name}.beta`, `${name}.zeros`, `${name}.zeros`],
        // Opset 9–13 takes training mode from the outputs: all five, the last two unused.
        output: [
          `${name}.bn`,
          batchMeanName(name),
          batchVarianceName(name),
          `${name}.saved_mean`,
          `${name}.saved_inv_std`,
        ],
        attribute: [floatAttr('epsilon', BN_EPSILON), floatAttr('momentum', 0)],
      }),
    );
    return `${name}.bn`;
  }
}

function model(graph: onnx.GraphProto, options: Omit<OnnxModelOptions, 'input'>): onnx.ModelProto {
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: PRODUCER,
    producerVersion: options.producerVersion ?? '',
    docString: options.docString ?? '',
    graph,
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}

/** The ONNX model of a standalone subnet (see the module comment for the graph). */
export function buildOnnxModel(sub: SubnetWeights, options: OnnxModelOptions): onnx.ModelProto {
  if (options.input.length !== 3) throw new Error('The input must be [height, width, channels]');
  const [H, W, C] = options.input;
  const g = new GraphBuilder();
  let x = INPUT_NAME;
  const [rh, rw] = sub.resolution;
  if (rh !== H || rw !== W) x = g.resize(x, rh, rw);
  // The outputs that residuals add later, by layer index (−1: the resized input).
  const sources = residualSources(sub.layers);
  const kept = new Map<number, string>([[-1, x]]);
  let relu6Constants = false;
  let channels = C;
  let head = 0;
  let classes = 0;
  const statistics: onnx.ValueInfoProto[] = [];
  for (const [i, l] of sub.layers.entries()) {
    switch (l.kind) {
      case 'conv': {
        if (l.cin !== channels)
          throw new Error(`${l.name}: takes ${l.cin} channels, but its input has ${channels}`);
        const w = sub.convs.get(l.name);
        if (!w) throw new Error(`The subnet has no weights for layer ${l.name}`);
        const folded = options.batchStatistics
          ? { ...oihwKernel(l, w.kernel, new Float64Array(l.cout).fill(1)), bias: undefined }
          : foldConvBn(l, w);
        g.initializers.push(floatTensor(`${l.name}.weight`, folded.dims, folded.weight));
        if (folded.bias) g.initializers.push(floatTensor(`${l.name}.bias`, [l.cout], folded.bias));
        const [top, bottom] = samePads(l.hin, l.kernel, l.stride);
        const [left, right] = samePads(l.win, l.kernel, l.stride);
        const convInputs = [x, `${l.name}.weight`, ...(folded.bias ? [`${l.name}.bias`] : [])];
        x = g.node('Conv', l.name, convInputs, l.name, [
          intsAttr('kernel_shape', [l.kernel, l.kernel]),
          intsAttr('strides', [l.stride, l.stride]),
          intsAttr('pads', [top, left, bottom, right]),
          intsAttr('dilations', [1, 1]),
          intAttr('group', l.groups),
        ]);
        if (options.batchStatistics) {
          x = g.batchNorm(x, l.name, w, l.cout);
          statistics.push(
            valueInfo(batchMeanName(l.name), [l.cout]),
            valueInfo(batchVarianceName(l.name), [l.cout]),
          );
        }
        if (l.relu6) {
          if (!relu6Constants) {
            g.initializers.push(
              floatTensor('relu6.min', [], Float32Array.of(0)),
              floatTensor('relu6.max', [], Float32Array.of(6)),
            );
            relu6Constants = true;
          }
          x = g.node('Clip', `${l.name}.relu6`, [x, 'relu6.min', 'relu6.max'], `${l.name}.relu6`);
        }
        channels = l.cout;
        break;
      }
      case 'add': {
        const skip = kept.get(l.from);
        if (skip === undefined)
          throw new Error(`${l.name}: adds the output of layer ${l.from}, which comes later`);
        x = g.node('Add', l.name, [x, skip], l.name);
        break;
      }
      case 'pool':
        x = g.node('GlobalAveragePool', l.name, [x], l.name);
        x = g.node('Flatten', `${l.name}.flatten`, [x], `${l.name}.flatten`, [intAttr('axis', 1)]);
        break;
      case 'linear':
        head = l.cin;
        classes = l.cout;
        if (sub.classifierWeight.length !== head * classes || sub.classifierBias.length !== classes)
          throw new Error(`The classifier's weights do not match its ${head}×${classes} layer`);
        g.initializers.push(
          floatTensor(`${l.name}.weight`, [head, classes], sub.classifierWeight),
          floatTensor(`${l.name}.bias`, [classes], sub.classifierBias),
        );
        // Y = X·B + C with B stored [head, classes] as TF's matMul has it, so transB = 0.
        x = g.node('Gemm', l.name, [x, `${l.name}.weight`, `${l.name}.bias`], OUTPUT_NAME, [
          intAttr('transB', 0),
        ]);
        break;
    }
    if (sources.has(i)) kept.set(i, x);
  }
  const piece = options.pieceOutput;
  if (piece && x !== OUTPUT_NAME) x = g.node('Identity', 'output', [x], OUTPUT_NAME);
  if (x !== OUTPUT_NAME) throw new Error('A subnet must end with its classifier');
  const graph = g.graph(
    piece ? 'piece' : 'subnet',
    valueInfo(INPUT_NAME, [BATCH_DIM, C, H, W]),
    valueInfo(OUTPUT_NAME, piece && classes === 0 ? [BATCH_DIM, ...piece] : [BATCH_DIM, classes]),
    statistics,
  );
  return model(graph, options);
}

/** The calibration model's input: calibration batches stacked, [batches, batch, C, H, W]. */
export const CALIBRATION_INPUT = 'calibration_batches';

/**
 * Batch-norm recalibration in one graph call: a Scan over the calibration batches whose body
 * is the subnet's graph with batch statistics (buildOnnxModel's batchStatistics), so each
 * batch is normalised over its own statistics and passes through the layers alone (the
 * cache-friendly size; a single batch of all the images runs slower), while the caller
 * makes one run instead of one per batch. Outputs: per conv layer, `<layer>.batch_mean` and
 * `<layer>.batch_variance` of every batch, [batches, 1, C, 1, 1].
 */
export function buildCalibrationModel(
  sub: SubnetWeights,
  options: OnnxModelOptions,
): onnx.ModelProto {
  const perBatch = buildOnnxModel(sub, { ...options, batchStatistics: true });
  const g = perBatch.graph as onnx.GraphProto;
  const [H, W, C] = options.input;
  // The body: the per-batch graph without its logits and the nodes only they need (the
  // last normalisation's clip, the pool and the classifier: onnxruntime runs a Scan body's
  // unused nodes), taking one batch [batch, C, H, W].
  const outputs = g.output.filter((o) => o.name !== OUTPUT_NAME);
  const node = nodesFeeding(
    g.node as onnx.NodeProto[],
    outputs.map((o) => o.name as string),
  );
  const used = new Set(node.flatMap((n) => n.input));
  const body = onnx.GraphProto.create({
    name: 'calibration_batch',
    node,
    initializer: g.initializer.filter((t) => used.has(t.name as string)),
    input: [valueInfo(INPUT_NAME, [BATCH_DIM, C, H, W])],
    output: outputs,
  });
  const statistics = body.output.map((o) => o.name as string);
  const scan = onnx.NodeProto.create({
    opType: 'Scan',
    name: 'calibration',
    input: [CALIBRATION_INPUT],
    output: statistics,
    attribute: [
      { name: 'body', type: onnx.AttributeProto.AttributeType.GRAPH, g: body },
      intAttr('num_scan_inputs', 1),
    ],
  });
  const stacked = (o: onnx.IValueInfoProto) => {
    const dims = o.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));
    return valueInfo(o.name as string, ['batches', ...dims]);
  };
  const graph = onnx.GraphProto.create({
    name: 'calibration',
    node: [scan],
    input: [valueInfo(CALIBRATION_INPUT, ['batches', BATCH_DIM, C, H, W])],
    output: body.output.map(stacked),
  });
  return model(graph, options);
}

/** The nodes (in topological order, as given) that compute any of `outputs`. */
function nodesFeeding(nodes: onnx.NodeProto[], outputs: string[]): onnx.NodeProto[] {
  const needed = new Set(outputs);
  const kept: onnx.NodeProto[] = [];
  for (const n of [...nodes].reverse()) {
    if (!n.output.some((o) => needed.has(o))) continue;
    kept.push(n);
    for (const i of n.input) needed.add(i);
  }
  return kept.reverse();
}

/** A model that only resizes NCHW images [batch, C, H, W] to [h, w] (for checking Resize). */
export function buildResizeModel(
  channels: number,
  from: readonly [number, number],
  to: readonly [number, number],
): onnx.ModelProto {
  const g = new GraphBuilder();
  const y = g.resize(INPUT_NAME, to[0], to[1]);
  g.nodes.push(
    onnx.NodeProto.create({ opType: 'Identity', name: 'output', input: [y], output: ['output'] }),
  );
  return model(
    g.graph(
      'resize',
      valueInfo(INPUT_NAME, [BATCH_DIM, channels, from[0], from[1]]),
      valueInfo('output', [BATCH_DIM, channels, to[0], to[1]]),
    ),
    {},
  );
}

export const encodeModel = (m: onnx.IModelProto): Uint8Array => onnx.ModelProto.encode(m).finish();

/**
 * Float parameters the model's initializers hold: folded conv weights and biases and the
 * Gemm's weight and bias (the ReLU6 bounds and the resize's int64 constants are not
 * parameters). Equals the analytic count (space/layers.ts layerParams) minus one value
 * per conv output channel: batch norm's gamma and beta fold into the one conv bias
 * (and its running statistics, not trainable, into weight and bias).
 */
export function onnxParamCount(m: onnx.IModelProto): number {
  let n = 0;
  for (const t of m.graph?.initializer ?? []) {
    const name = t.name ?? '';
    if (!name.endsWith('.weight') && !name.endsWith('.bias')) continue;
    n += (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1);
  }
  return n;
}
