import test, { before } from 'node:test';
import assert from 'node:assert/strict';
import { archKey } from '#shared/arch';
import { selectBackend } from '../../../../server/src/engine/backend/selectBackend';
import type { TrainingData } from '../../../../server/src/engine/data/batches';
import { calibrationIndices } from '../../../../server/src/engine/evaluate/evaluate';
import type { Evaluation } from '../../../../server/src/engine/evaluate/evaluate';
import { SubnetEvaluator } from '../../../../server/src/engine/evaluate/subnetEvaluator';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { Rng } from '#shared/rng';
import { Cancelled } from '../../../../server/src/engine/runError';
import { subnetCost } from '../../../../server/src/space/facts';
import { largestArch } from '../../../../server/src/space/arch';
import { archsOf, elastic } from '../export/fixtures';

/**
 * Candidate evaluation on a pool of threads (what search does with more than one thread)
 * against one subnet at a time in the engine's thread: the same evaluates and the same
 * statistics left in the supernet, bit for bit, whatever order the threads finish in.
 */

before(async () => {
  await selectBackend('wasm');
});

function syntheticData(count: number, train: number, channels = 1): TrainingData {
  const rng = new Rng(5);
  const [h, w] = elastic.task.input;
  return {
    images: Float32Array.from({ length: count * h * w * channels }, () => rng.next()),
    labels: Int32Array.from({ length: count }, () => rng.int(elastic.task.classes)),
    height: h,
    width: w,
    channels,
    trainIndices: Int32Array.from({ length: train }, (_, i) => i),
    validationIndices: Int32Array.from({ length: count - train }, (_, i) => train + i),
  };
}

const statistics = (net: Supernet): number[][] =>
  [...net.convs.values()].flatMap((c) => [
    Array.from(c.mean.dataSync()),
    Array.from(c.variance.dataSync()),
  ]);

async function scoreWith(threads: number, data: TrainingData) {
  const net = new Supernet(elastic.space, elastic.task, new Rng(3));
  const calibration = calibrationIndices(data, 3, 32);
  const evaluator = new SubnetEvaluator(net, data, calibration, threads);
  const evaluates: [string, Evaluation][] = [];
  try {
    await evaluator.evaluateAll(archsOf(elastic, 6), (arch, s) =>
      evaluates.push([archKey(arch), s]),
    );
    return { evaluates, stats: statistics(net) };
  } finally {
    await evaluator.close();
    net.dispose();
  }
}

void test('three evaluation threads give the evaluates and statistics of one, in the same order', async () => {
  const data = syntheticData(400, 150);
  const one = await scoreWith(1, data);
  const three = await scoreWith(3, data);
  assert.equal(one.evaluates.length, archsOf(elastic, 6).length);
  assert.deepEqual(three.evaluates, one.evaluates);
  assert.deepEqual(three.stats, one.stats);
});

void test('a stop mid-batch reports what the threads were given, then ends cancelled', async () => {
  const data = syntheticData(300, 100);
  const net = new Supernet(elastic.space, elastic.task, new Rng(3));
  const evaluator = new SubnetEvaluator(net, data, calibrationIndices(data, 2, 32), 2);
  const archs = archsOf(elastic, 6);
  const seen: string[] = [];
  let asked = 0;
  try {
    await assert.rejects(
      evaluator.evaluateAll(
        archs,
        (a) => seen.push(archKey(a)),
        // Stops before the third subnet is sent.
        () => ++asked > 2,
      ),
      Cancelled,
    );
    // The two sent still came: the two largest (sent first), in the order given.
    const flops = archs.map((a) => subnetCost(elastic.space, elastic.task, a).flops);
    const largest = archs
      .map((_, i) => i)
      .sort((x, y) => flops[y] - flops[x] || x - y)
      .slice(0, 2)
      .sort((x, y) => x - y);
    assert.deepEqual(
      seen,
      largest.map((i) => archKey(archs[i])),
    );
  } finally {
    await evaluator.close();
    net.dispose();
  }
});

void test('results come in the order given though the pool sends the largest subnets first', async () => {
  const data = syntheticData(300, 100);
  const net = new Supernet(elastic.space, elastic.task, new Rng(3));
  const evaluator = new SubnetEvaluator(net, data, calibrationIndices(data, 2, 32), 2);
  // The largest subnet given first, then small ones, which the pool sends by size.
  const archs = [largestArch(elastic.space, elastic.task), ...archsOf(elastic, 11).slice(1)];
  const seen: string[] = [];
  try {
    await evaluator.evaluateAll(archs, (a) => seen.push(archKey(a)));
    assert.deepEqual(seen, archs.map(archKey));
  } finally {
    await evaluator.close();
    net.dispose();
  }
});
