import test, { describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import { type Arch } from '#shared/arch';
import { subnetCost } from '../../../../server/src/space/facts';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { extract } from '../../../../server/src/engine/model/extract';
import { Rng } from '#shared/rng';

const config = resolveConfig(`
task: { input: [12, 12, 1], classes: 5 }
space:
  resolution: [8, 10, 12]
  stem: { width: 8, kernel: 3, stride: 1 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2], stride: 1 }
    - { depth: [1, 3], width: [16, 24], kernel: [3, 5, 7], expand: [2, 3], stride: 2 }
  head: { width: 32 }
`).config;

function randomArch(rng: Rng): Arch {
  const pick = <T>(xs: T[]) => xs[rng.int(xs.length)];
  return {
    resolution: pick(config.space.resolution!),
    stages: config.space.stages.map((s) => {
      const depth = pick(s.depth);
      return {
        depth,
        width: pick(s.width),
        blocks: Array.from({ length: depth }, () => ({
          kernel: pick(s.kernel),
          expand: pick(s.expand),
        })),
      };
    }),
  };
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

void describe('supernet extraction', () => {
  let net: Supernet;
  let x: tf.Tensor4D;
  before(async () => {
    await tf.setBackend('cpu');
    const rng = new Rng(7);
    net = new Supernet(config.space, config.task, rng);
    const data = new Float32Array(4 * 12 * 12).map(() => rng.next());
    x = tf.tensor4d(data, [4, 12, 12, 1]);
    // Non-trivial running statistics, so 'eval' mode really uses them.
    net.calibrate(largestArch(config.space, config.task), [x]);
  });

  const archs = (): Arch[] => {
    const rng = new Rng(3);
    return [
      largestArch(config.space, config.task),
      smallestArch(config.space, config.task),
      ...Array.from({ length: 6 }, () => randomArch(rng)),
    ];
  };

  void test('an extracted subnet computes what the supernet computes for that arch', () => {
    for (const arch of archs()) {
      const sub = extract(net, arch);
      for (const mode of ['eval', 'train'] as const) {
        const a = net.forward(arch, x, mode);
        const b = sub.forward(x, mode);
        assert.deepEqual(a.shape, [4, 5]);
        assert.ok(maxAbsDiff(a, b) < 1e-5, `${mode}: outputs differ for ${JSON.stringify(arch)}`);
        tf.dispose([a, b]);
      }
      sub.dispose();
    }
  });

  void test('parameters and FLOPs of an extracted subnet equal the analytic counts', () => {
    for (const arch of archs()) {
      const sub = extract(net, arch);
      const cost = subnetCost(config.space, config.task, arch);
      assert.equal(sub.paramCount(), cost.params);
      assert.equal(sub.measureFlops(), cost.flops);
      sub.dispose();
    }
  });

  void test('the supernet holds exactly the largest subnet’s parameters', () => {
    const total = net.allTrainableVariables().reduce((n, v) => n + v.size, 0);
    assert.equal(
      total,
      subnetCost(config.space, config.task, largestArch(config.space, config.task)).params,
    );
  });

  void test('subnets share weights: changing a shared kernel changes every subnet that uses it', () => {
    const arch = smallestArch(config.space, config.task);
    const before = net.forward(arch, x, 'eval');
    const stem = net.convs.get('stem')!;
    const saved = stem.kernel.clone();
    stem.kernel.assign(tf.mul(stem.kernel, 2));
    const after = net.forward(arch, x, 'eval');
    assert.ok(maxAbsDiff(before, after) > 1e-3);
    stem.kernel.assign(saved);
    tf.dispose([before, after, saved]);
  });

  void test('an elastic kernel is the centre of the largest kernel', () => {
    const arch = smallestArch(config.space, config.task);
    const sub = extract(net, arch);
    const name = 'stage2.block1.depthwise';
    const full = net.convs.get(name)!.kernel; // 7x7
    const small = sub.convs.get(name)!.kernel; // 3x3
    const centre = tf.slice(full, [2, 2, 0, 0], [3, 3, small.shape[2], 1]);
    assert.equal(maxAbsDiff(centre, small), 0);
    tf.dispose(centre);
    sub.dispose();
  });
});
