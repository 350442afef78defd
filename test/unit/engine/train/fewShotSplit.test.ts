import test, { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { Arch } from '#shared/arch';
import type { SupernetConfig } from '../../../../server/src/config/configSchema';
import { analyse } from '../../../../server/src/analysis/analysis';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import { ensureTfjsGradients } from '../../../../server/src/engine/backend/tfjsGradients';
import { registerWasmGradientKernels } from '../../../../server/src/engine/backend/wasmGradKernels';
import { Rng } from '#shared/rng';
import { RunError } from '../../../../server/src/engine/runError';
import { spaceDecisions } from '../../../../server/src/space/decisions';
import {
  FewShotSplit,
  randomGroups,
  splitCandidates,
} from '../../../../server/src/engine/train/fewShotSplit';
import { samplerSpace } from '../../../../server/src/engine/train/samplers/samplerSpace';
import type { SampledSubnet } from '../../../../server/src/engine/train/samplers/samplerTypes';
import { chooseSplit, sharedVariables } from '../../../../server/src/engine/train/splitChoice';
import { Supernet } from '../../../../server/src/engine/model/supernet';
import { useBackend } from '../backend/backendParity';
import { smallConfig } from './fixtures';

/**
 * Few-shot NAS on the small space: which decisions may split, how a split confines the
 * sampler's subnets to a part, and how it chooses by gradient matching; the trainer's side
 * (copies, training in turn, checkpoints, scoring) is in fewShotTraining.test.ts.
 */

type FewShot = NonNullable<SupernetConfig['train']['fewShot']>;
const fewShot = (o: Partial<FewShot> = {}): FewShot => ({
  splits: 2,
  at: 0.5,
  criterion: 'gradient-matching',
  batches: 1,
  ...o,
});
const decisions = spaceDecisions(smallConfig().space, smallConfig().task);
const named = (name: string) => decisions.all.find((d) => d.name === name)!;
const names = (c: SupernetConfig) => splitCandidates(c, decisions).map((d) => d.name);

void describe('few-shot NAS: the option and its candidates', () => {
  void test('off by default; an empty mapping takes the defaults', () => {
    assert.equal(smallConfig().train.fewShot, undefined);
    const r = resolveConfig(
      `task: { dataset: fashion-mnist }
space:
  stages: [{ depth: [1, 2], width: [8, 16] }]
train: { fewShot: {} }
`,
    );
    assert.deepEqual(
      r.problems.filter((p) => p.severity === 'error'),
      [],
    );
    assert.deepEqual(r.config.train.fewShot, {
      splits: 2,
      at: 0.5,
      criterion: 'gradient-matching',
      batches: 4,
    });
  });

  void test('a split that cannot be made is an error in the editor', () => {
    const r = analyse(
      `task: { dataset: fashion-mnist }
space:
  stages: [{ depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [2, 4] }]
train: { delayedShrinking: 0.6, fewShot: { splits: 3, at: 0.5 } }
`,
      {},
    );
    const errors = r.problems.filter((p) => p.severity === 'error').map((p) => p.message);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0], /trains alone \(until 0.6\)/);
    assert.match(errors[1], /No decision of the space has 3 choices/);
  });

  void test('candidates: decisions every subnet has, with enough choices, elastic by then', () => {
    const all = [
      'resolution',
      'stage1.depth',
      'stage1.width',
      'stage1.block1.kernel',
      'stage1.block1.expand',
      'stage2.depth',
      'stage2.width',
      'stage2.block1.kernel',
      'stage2.block1.expand',
    ];
    assert.deepEqual(names(smallConfig({ fewShot: fewShot() })), all);
    // Three groups need three choices: stage 2's blocks 2 and 3 are not every subnet's.
    assert.deepEqual(names(smallConfig({ fewShot: fewShot({ splits: 3 }) })), [
      'resolution',
      'stage1.block1.kernel',
      'stage1.block1.expand',
      'stage2.depth',
      'stage2.block1.kernel',
      'stage2.block1.expand',
    ]);
    const shrinking = { progressiveShrinking: [0.1, 0.3, 0.5] };
    assert.deepEqual(names(smallConfig({ ...shrinking, fewShot: fewShot({ at: 0.2 }) })), [
      'resolution',
      'stage1.block1.kernel',
      'stage2.block1.kernel',
    ]);
    assert.deepEqual(names(smallConfig({ ...shrinking, fewShot: fewShot({ at: 0.05 }) })), []);
    assert.deepEqual(names(smallConfig({ delayedShrinking: 0.6, fewShot: fewShot() })), []);
  });

  void test('random groups: every choice once, sizes within one, canonical order', () => {
    const rng = new Rng(4);
    for (let i = 0; i < 20; i++) {
      const groups = randomGroups([3, 5, 7, 9, 11], 2, rng);
      assert.deepEqual(
        groups.flat().sort((a, b) => a - b),
        [3, 5, 7, 9, 11],
      );
      assert.deepEqual(groups.map((g) => g.length).sort(), [2, 3]);
      assert.ok(groups[0][0] < groups[1][0]);
      assert.ok(groups.every((g) => g.every((c, j) => j === 0 || g[j - 1] < c)));
    }
    assert.deepEqual(randomGroups([3, 5, 7], 3, rng), [[3], [5], [7]]);
  });
});

void describe('few-shot NAS: parts and their subnets', () => {
  const s = samplerSpace(smallConfig());
  const largest = largestArch(s.space, s.task);
  const smallest = smallestArch(s.space, s.task);
  const sub = (role: SampledSubnet['role'], arch: Arch) => s.subnet(role, arch);
  const middle: Arch = { ...structuredClone(largest), resolution: 24 };

  void test('a subnet belongs to the part whose group holds its value', () => {
    const split = new FewShotSplit(named('resolution'), [[20], [24, 28]], 10);
    assert.equal(split.partOf(smallest), 0);
    assert.equal(split.partOf(largest), 1);
    assert.equal(split.partOf(middle), 1);
    assert.throws(() => split.partOf({ ...largest, resolution: 22 }), RunError);
    assert.deepEqual(
      [10, 11, 12, 13].map((t) => split.partOfStep(t)),
      [0, 1, 0, 1],
    );
  });

  void test('confined: the teacher becomes the part’s largest, the floor its smallest', () => {
    const split = new FewShotSplit(named('resolution'), [[20], [24, 28]], 0);
    const drawn = [sub('largest', largest), sub('smallest', smallest), sub('random', middle)];
    const rng = new Rng(1);
    const inA = split.confine(drawn, 0, s, rng, false);
    assert.deepEqual(
      inA.map((x) => x.arch.resolution),
      [20, 20, 20],
    );
    assert.deepEqual(
      inA.map((x) => x.role),
      ['largest', 'smallest', 'random'],
    );
    assert.equal(inA[0].flops, s.flops(inA[0].arch), 'FLOPs of the moved subnet');
    const inB = split.confine(drawn, 1, s, rng, false);
    assert.deepEqual(
      inB.map((x) => x.arch.resolution),
      [28, 24, 24],
    );
    assert.equal(inB[0], drawn[0], 'a subnet already in the part is left as drawn');
  });

  void test('with one resolution per step, a resolution split keeps it shared', () => {
    const split = new FewShotSplit(named('resolution'), [[20], [24, 28]], 0);
    const at20 = (arch: Arch) => ({ ...structuredClone(arch), resolution: 20 });
    const drawn = [
      sub('largest', at20(largest)),
      sub('smallest', smallest),
      sub('random', at20(middle)),
    ];
    for (let seed = 0; seed < 8; seed++) {
      const moved = split.confine(drawn, 1, s, new Rng(seed), true);
      assert.equal(new Set(moved.map((x) => x.arch.resolution)).size, 1);
      assert.ok([24, 28].includes(moved[0].arch.resolution));
    }
  });

  void test('a raised depth repeats the stage’s last block', () => {
    const split = new FewShotSplit(named('stage2.depth'), [[1], [2, 3]], 0);
    const shallow: Arch = structuredClone(smallest);
    shallow.stages[1].blocks[0] = { kernel: 5, expand: 4 };
    const [moved] = split.confine([sub('random', shallow)], 1, s, new Rng(2), false);
    const stage = moved.arch.stages[1];
    assert.ok(stage.depth === 2 || stage.depth === 3);
    assert.equal(stage.blocks.length, stage.depth);
    assert.ok(stage.blocks.every((b) => b.kernel === 5 && b.expand === 4));
    assert.deepEqual(moved.arch.stages[0], shallow.stages[0]);
  });

  void test('a checkpoint’s split is checked against the space', () => {
    const ok = FewShotSplit.of(
      { decision: 'stage2.depth', groups: [[3, 2], [1]], step: 4 },
      decisions,
      'ck',
    );
    assert.deepEqual(ok.groups, [[1], [2, 3]]);
    assert.equal(ok.describe(), 'stage2.depth: {1} | {2, 3}');
    assert.throws(
      () =>
        FewShotSplit.of({ decision: 'stage9.depth', groups: [[1], [2]], step: 0 }, decisions, 'ck'),
      /ck splits 'stage9.depth'/,
    );
    assert.throws(
      () =>
        FewShotSplit.of({ decision: 'stage2.depth', groups: [[1], [2]], step: 0 }, decisions, 'ck'),
      /does not hold each of its choices \[1, 2, 3\] once/,
    );
    assert.throws(
      () =>
        FewShotSplit.of(
          {
            decision: 'stage2.depth',
            groups: [
              [1, 2],
              [2, 3],
            ],
            step: 0,
          },
          decisions,
          'ck',
        ),
      RunError,
    );
  });
});

void describe('few-shot NAS: choosing the split', () => {
  before(async () => {
    await ensureTfjsGradients();
    registerWasmGradientKernels();
    await useBackend('wasm');
  });

  const layersOf = (net: Supernet, vars: tf.Variable[]) => {
    const byVar = new Map(net.namedVariables().map(([n, v]) => [v, n]));
    return new Set(vars.map((v) => byVar.get(v)!.replace(/\.(kernel|gamma|beta)$/, '')));
  };

  void test('the shared weights of a decision leave out the weights its choices use differently', () => {
    const config = smallConfig();
    const net = new Supernet(config.space, config.task, new Rng(1));
    try {
      const bases = [
        largestArch(config.space, config.task),
        smallestArch(config.space, config.task),
      ];
      const all = layersOf(net, sharedVariables(net, decisions, named('resolution'), bases));
      assert.equal(all.size, net.convs.size + 2, 'a resolution owns no weights');
      const kernel = layersOf(
        net,
        sharedVariables(net, decisions, named('stage1.block1.kernel'), bases),
      );
      assert.deepEqual(
        [...all].filter((l) => !kernel.has(l)),
        ['stage1.block1.depthwise'],
      );
      const width = layersOf(net, sharedVariables(net, decisions, named('stage1.width'), bases));
      assert.deepEqual(
        [...all].filter((l) => !width.has(l)),
        [
          'stage1.block1.project',
          'stage1.block2.expand',
          'stage1.block2.depthwise',
          'stage1.block2.project',
          'stage2.block1.expand',
          'stage2.block1.depthwise',
          'stage2.block1.project',
        ],
      );
      const depth = layersOf(net, sharedVariables(net, decisions, named('stage2.depth'), bases));
      assert.deepEqual(
        [...all].filter((l) => !depth.has(l)),
        ['stage2.block2', 'stage2.block3'].flatMap((b) =>
          ['expand', 'depthwise', 'project'].map((c) => `${b}.${c}`),
        ),
      );
    } finally {
      net.dispose();
    }
  });

  void test('gradient matching scores every candidate and picks the lowest; the same inputs, the same split', async () => {
    const config = smallConfig({
      sampler: { type: 'uniform' },
      fewShot: fewShot({ splits: 3 }),
    });
    const net = new Supernet(config.space, config.task, new Rng(7));
    const images = new Rng(3);
    const gather = () => ({
      x: tf.tensor4d(
        Float32Array.from({ length: 8 * 784 }, () => images.next()),
        [8, 28, 28, 1],
      ),
      y: tf.tensor1d(
        Int32Array.from({ length: 8 }, (_, i) => i),
        'int32',
      ),
    });
    const choose = async () => {
      const before = tf.memory().numTensors;
      const chosen = await chooseSplit(
        net,
        config,
        decisions,
        { step: 5, progress: 0.5 },
        { count: 1, gather },
        new Rng(11),
      );
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
      return chosen!;
    };
    try {
      const a = await choose();
      assert.deepEqual(
        a.scores.map((c) => c.decision),
        names(config),
      );
      const lowest = Math.min(...a.scores.map((c) => c.score));
      const best = a.scores.find((c) => c.score === lowest)!;
      assert.equal(a.split.decision.name, best.decision);
      assert.deepEqual(a.split.groups, best.groups);
      assert.equal(a.split.parts, 3);
      assert.equal(a.split.step, 5);
      for (const c of a.scores)
        assert.ok(c.score >= -1 && c.score <= 1, `${c.decision} ${c.score}`);
      // Same weights, images and stream: the same split (a run resumed before it splits so).
      images.setState(new Rng(3).state());
      const b = await choose();
      assert.deepEqual(b.scores, a.scores);
    } finally {
      net.dispose();
    }
  });

  void test('random: a candidate and an even grouping, from the stream alone', async () => {
    const config = smallConfig({ fewShot: fewShot({ criterion: 'random', splits: 3 }) });
    const pick = () =>
      chooseSplit(
        undefined as unknown as Supernet,
        config,
        decisions,
        { step: 2, progress: 0.5 },
        { count: 0, gather: () => assert.fail('random needs no batches') },
        new Rng(9),
      );
    const a = (await pick())!;
    assert.ok(names(config).includes(a.split.decision.name));
    assert.equal(a.split.parts, 3);
    assert.deepEqual(a.scores, []);
    assert.deepEqual((await pick())!.split.state(), a.split.state());
  });
});
