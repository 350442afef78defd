import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { archInSpace, smallestArch } from '../../../server/src/space/arch';
import { Rng } from '#shared/rng';
import {
  activeDecisions,
  spaceDecisions,
  valueOf,
  withDecision,
} from '../../../server/src/space/decisions';
import { randomArch } from '../../../server/src/space/randomArch';
import { createSampler } from '../../../server/src/engine/train/samplers/samplers';
import { smallConfig } from '../engine/train/fixtures';

const { space, task } = smallConfig();

void describe('decisions of a space', () => {
  void test('have stable names in sampling order, one kernel and expand per block of the deepest choice', () => {
    assert.deepEqual(
      spaceDecisions(space, task).all.map((d) => d.name),
      [
        'resolution',
        'stage1.depth',
        'stage1.width',
        'stage1.block1.kernel',
        'stage1.block1.expand',
        'stage1.block2.kernel',
        'stage1.block2.expand',
        'stage2.depth',
        'stage2.width',
        'stage2.block1.kernel',
        'stage2.block1.expand',
        'stage2.block2.kernel',
        'stage2.block2.expand',
        'stage2.block3.kernel',
        'stage2.block3.expand',
      ],
    );
  });

  void test('sort and deduplicate the choices a config lists', () => {
    const messy = {
      ...space,
      stages: [{ ...space.stages[0], kernel: [7, 3, 5, 3] }, space.stages[1]],
    };
    assert.deepEqual(spaceDecisions(messy, task).stages[0].blocks[0].kernel.choices, [3, 5, 7]);
  });

  void test('withDecision grows a stage with the filled blocks and shrinks it from the end', () => {
    const dec = spaceDecisions(space, task);
    const small = smallestArch(space, task);
    const deeper = withDecision(small, dec, dec.stages[1].depth, 3, (d) => d.choices[2]);
    assert.deepEqual(deeper.stages[1].blocks, [
      { kernel: 3, expand: 3 },
      { kernel: 7, expand: 6 },
      { kernel: 7, expand: 6 },
    ]);
    assert.ok(archInSpace(deeper, space, task));
    assert.deepEqual(small.stages[1].blocks.length, 1, 'the input is not changed');
    const back = withDecision(deeper, dec, dec.stages[1].depth, 1, () =>
      assert.fail('nothing to fill'),
    );
    assert.deepEqual(back, small);
    assert.equal(activeDecisions(small, dec).length, 1 + 2 * (2 + 2));
    assert.equal(valueOf(small, dec.stages[1].blocks[2].kernel), undefined);
  });
});

void describe('randomArch', () => {
  void test('is a subnet of the space and reproducible from the seed', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const arch = randomArch(space, task, a);
      assert.ok(archInSpace(arch, space, task));
      assert.deepEqual(randomArch(space, task, b), arch);
    }
  });

  void test('through the uniform sampler, draws every choice of every decision about equally often', () => {
    const dec = spaceDecisions(space, task);
    const counts = new Map(dec.all.map((d) => [d.name, d.choices.map(() => 0)]));
    const sampler = createSampler(smallConfig({ sampler: { type: 'uniform' } }), new Rng(11));
    for (let i = 0; i < 6000; i++) {
      const [{ arch }] = sampler.sample(i / 6000);
      for (const d of activeDecisions(arch, dec)) {
        (counts.get(d.name) as number[])[d.choices.indexOf(valueOf(arch, d) as number)]++;
      }
    }
    for (const d of dec.all) {
      const c = counts.get(d.name) as number[];
      const total = c.reduce((x, y) => x + y, 0);
      const expected = total / c.length;
      const chi2 = c.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
      // χ² with ≤ 2 degrees of freedom exceeds 18.4 with probability 1e-4.
      assert.ok(chi2 < 18.4, `${d.name}: counts ${c.join(', ')} (χ² ${chi2.toFixed(1)})`);
      assert.ok(c.every((x) => x > 0));
    }
  });
});
