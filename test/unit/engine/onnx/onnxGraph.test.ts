import test, { describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from '../../../../server/src/engine/onnx/runtime';
import { onnx } from 'onnx-proto';
import {
  IR_VERSION,
  OPSET,
  buildOnnxModel,
  buildResizeModel,
  encodeModel,
  foldConvBn,
  onnxParamCount,
  samePads,
} from '../../../../server/src/engine/onnx/onnxGraph';
import { subnetOnnxModel } from '../../../../server/src/engine/onnx/subnetModel';
import { nhwcToNchw } from '../../../../server/src/engine/export/verifyOnnx';
import { subnetCost } from '../../../../server/src/space/facts';
import { subnetLayers, type ConvLayer } from '../../../../server/src/space/layers';
import { Rng } from '#shared/rng';
import { archsOf, elastic, makeNet, wide } from '../export/fixtures';

const attr = (node: onnx.INodeProto, name: string) => node.attribute?.find((a) => a.name === name);
const ints = (node: onnx.INodeProto, name: string) => (attr(node, name)?.ints ?? []).map(Number);
const str = (node: onnx.INodeProto, name: string) =>
  new TextDecoder().decode(attr(node, name)?.s ?? new Uint8Array());
const dims = (v: onnx.IValueInfoProto) =>
  (v.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || Number(d.dimValue));

void describe('ONNX graph', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  void test("explicit pads reproduce TF 'same' (odd pixel at the end)", () => {
    assert.deepEqual(samePads(14, 3, 2), [0, 1]); // even size, stride 2
    assert.deepEqual(samePads(7, 3, 2), [1, 1]); // odd size, stride 2
    assert.deepEqual(samePads(28, 3, 2), [0, 1]);
    assert.deepEqual(samePads(5, 7, 1), [3, 3]);
    assert.deepEqual(samePads(6, 5, 2), [1, 2]);
    assert.deepEqual(samePads(4, 1, 2), [0, 0]);
    assert.deepEqual(samePads(9, 1, 1), [0, 0]);
  });

  void test('folding batch norm: w·γ/√(σ²+ε) per output channel, OIHW and depthwise layouts', () => {
    const full: ConvLayer = {
      kind: 'conv',
      name: 'c',
      role: 'project',
      at: { stage: 0, block: 0 },
      cin: 2,
      cout: 3,
      kernel: 1,
      stride: 1,
      groups: 1,
      hin: 1,
      win: 1,
      hout: 1,
      wout: 1,
      relu6: false,
    };
    // TF [1,1,cin=2,cout=3]: kernel[i][o] = 10·i + o
    const f = foldConvBn(full, {
      kernel: Float32Array.of(0, 1, 2, 10, 11, 12),
      gamma: Float32Array.of(1, 2, 3),
      beta: Float32Array.of(0.5, 0, -1),
      mean: Float32Array.of(1, 0, 2),
      variance: Float32Array.of(1 - 1e-5, 4 - 1e-5, 9 - 1e-5),
    });
    assert.deepEqual(f.dims, [3, 2, 1, 1]);
    // scales 1, 1, 1 → ONNX [o][i] = 10·i + o
    assert.deepEqual(
      [...f.weight].map((v) => Math.round(v * 1e4) / 1e4),
      [0, 10, 1, 11, 2, 12],
    );
    assert.deepEqual(
      [...f.bias].map((v) => Math.round(v * 1e4) / 1e4),
      [-0.5, 0, -3],
    );
    const dw: ConvLayer = {
      ...full,
      name: 'd',
      role: 'depthwise',
      cin: 2,
      cout: 2,
      kernel: 3,
      groups: 2,
    };
    // TF [3,3,C=2,1]: kernel[y][x][c] = 100·c + 3·y + x
    const k = new Float32Array(18);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++)
        for (let c = 0; c < 2; c++) k[(y * 3 + x) * 2 + c] = 100 * c + 3 * y + x;
    const d = foldConvBn(dw, {
      kernel: k,
      gamma: Float32Array.of(2, 1),
      beta: Float32Array.of(0, 0),
      mean: Float32Array.of(0, 0),
      variance: Float32Array.of(1 - 1e-5, 1 - 1e-5),
    });
    assert.deepEqual(d.dims, [2, 1, 3, 3]);
    const expected = [
      ...Array.from({ length: 9 }, (_, i) => 2 * i),
      ...Array.from({ length: 9 }, (_, i) => 100 + i),
    ];
    assert.deepEqual(
      [...d.weight].map((v) => Math.round(v * 1e3) / 1e3),
      expected,
    );
  });

  void test('Resize (linear, half_pixel) equals tf.image.resizeBilinear with halfPixelCenters', async () => {
    const rng = new Rng(11);
    const cases: [number, [number, number], [number, number]][] = [
      [1, [28, 28], [20, 20]],
      [1, [28, 28], [24, 24]],
      [3, [12, 16], [9, 12]],
      [2, [7, 7], [10, 10]], // upsampling
      [2, [10, 9], [3, 4]], // strong downsampling
      [1, [5, 5], [1, 1]],
    ];
    for (const [c, [H, W], [h, w]] of cases) {
      const n = 2;
      const x = new Float32Array(n * H * W * c).map(() => rng.next() * 4 - 2);
      const expected = tf.tidy(
        () =>
          tf.image
            .resizeBilinear(tf.tensor4d(x, [n, H, W, c]), [h, w], false, true)
            .dataSync() as Float32Array,
      );
      const session = await ort.InferenceSession.create(
        encodeModel(buildResizeModel(c, [H, W], [h, w])),
      );
      const out = await session.run({
        images: new ort.Tensor('float32', nhwcToNchw(x, 0, n, H, W, c), [n, c, H, W]),
      });
      await session.release();
      const got = out.output;
      assert.deepEqual(got.dims, [n, c, h, w]);
      const want = nhwcToNchw(expected, 0, n, h, w, c);
      let diff = 0;
      for (let i = 0; i < want.length; i++)
        diff = Math.max(diff, Math.abs((got.data as Float32Array)[i] - want[i]));
      assert.ok(diff < 1e-5, `${H}×${W}→${h}×${w}: max diff ${diff}`);
    }
  });

  void test('the model declares opset 13, IR 8, images [batch,C,H,W] → logits [batch,classes]', () => {
    for (const config of [elastic, wide]) {
      const net = makeNet(config, 1);
      for (const arch of archsOf(config, 2)) {
        const layers = subnetLayers(config.space, config.task, arch);
        const m = onnx.ModelProto.decode(encodeModel(subnetOnnxModel(net, arch)));
        const [H, W, C] = config.task.input;
        assert.equal(Number(m.irVersion), IR_VERSION);
        assert.equal(m.producerName, 'supernet-studio');
        assert.deepEqual(
          m.opsetImport.map((o) => [o.domain ?? '', Number(o.version)]),
          [['', OPSET]],
        );
        const g = m.graph!;
        assert.deepEqual(
          g.input!.map((v) => [v.name, dims(v)]),
          [['images', ['batch', C, H, W]]],
        );
        assert.deepEqual(
          g.output!.map((v) => [v.name, dims(v)]),
          [['logits', ['batch', config.task.classes]]],
        );
        const ops = (t: string) => g.node!.filter((n) => n.opType === t);
        const convs = layers.filter((l): l is ConvLayer => l.kind === 'conv');
        assert.deepEqual(
          ops('Conv').map((n) => n.name),
          convs.map((l) => l.name),
        );
        assert.equal(ops('Clip').length, convs.filter((l) => l.relu6).length);
        assert.deepEqual(
          ops('Add').map((n) => n.name),
          layers.filter((l) => l.kind === 'add').map((l) => l.name),
        );
        for (const t of ['GlobalAveragePool', 'Flatten', 'Gemm']) assert.equal(ops(t).length, 1);
        for (const n of ops('Conv')) {
          const l = convs.find((c) => c.name === n.name)!;
          const [t, b] = samePads(l.hin, l.kernel, l.stride);
          const [left, r] = samePads(l.win, l.kernel, l.stride);
          assert.deepEqual(ints(n, 'pads'), [t, left, b, r]);
          assert.equal(Number(attr(n, 'group')?.i), l.groups);
          assert.deepEqual(ints(n, 'strides'), [l.stride, l.stride]);
        }
        const resize = ops('Resize');
        const res = net.plan(arch).input;
        if (res[0] === H && res[1] === W) assert.equal(resize.length, 0);
        else {
          assert.equal(resize.length, 1);
          assert.equal(str(resize[0], 'mode'), 'linear');
          assert.equal(str(resize[0], 'coordinate_transformation_mode'), 'half_pixel');
        }
        // Folded parameters: conv weights + conv biases + Gemm. The analytic count has
        // γ and β per conv output channel; folded, they are one bias: one value fewer.
        const cost = subnetCost(config.space, config.task, arch);
        const folded = convs.reduce(
          (n, l) => n + l.kernel * l.kernel * (l.cin / l.groups) * l.cout + l.cout,
          0,
        );
        const head = config.space.head.width;
        const classes = config.task.classes;
        assert.equal(onnxParamCount(m), folded + head * classes + classes);
        assert.equal(onnxParamCount(m), cost.params - convs.reduce((n, l) => n + l.cout, 0));
      }
      net.dispose();
    }
  });

  void test('the builder rejects weights that do not fit the layers', () => {
    const net = makeNet(wide, 1);
    const arch = archsOf(wide, 0)[0];
    const m = subnetOnnxModel(net, arch);
    assert.ok(m.graph);
    assert.throws(
      () =>
        buildOnnxModel(
          {
            layers: subnetLayers(wide.space, wide.task, arch),
            resolution: [12, 16],
            convs: new Map(),
            classifierWeight: new Float32Array(0),
            classifierBias: new Float32Array(0),
          },
          { input: wide.task.input },
        ),
      /no weights for layer stem/,
    );
    net.dispose();
  });
});
