import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { archInSpace, largestArch, smallestArch } from '../../../../../server/src/space/arch';
import { subnetCost } from '../../../../../server/src/space/facts';
import { Rng } from '#shared/rng';
import { createSampler } from '../../../../../server/src/engine/train/samplers/samplers';
import type { SampledSubnet } from '../../../../../server/src/engine/train/samplers/samplerTypes';
import { fakeFeedback, smallConfig } from '../fixtures';

const { space, task } = smallConfig();
const largest = largestArch(space, task);
const smallest = smallestArch(space, task);

void describe('sandwich', () => {
  void test('trains the largest first, the smallest second, then random subnets', () => {
    const sampler = createSampler(
      smallConfig({ sampler: { type: 'sandwich', subnets: 4 } }),
      new Rng(1),
    );
    for (let step = 0; step < 100; step++) {
      const s = sampler.sample(step / 100);
      assert.deepEqual(
        s.map((x) => x.role),
        ['largest', 'smallest', 'random', 'random'],
      );
      assert.deepEqual(s[0].arch, largest);
      assert.deepEqual(s[1].arch, smallest);
      for (const x of s) assert.ok(archInSpace(x.arch, space, task));
    }
  });

  void test('with two subnets is just the largest and the smallest', () => {
    const s = createSampler(
      smallConfig({ sampler: { type: 'sandwich', subnets: 2 } }),
      new Rng(1),
    ).sample(0.5);
    assert.deepEqual(
      s.map((x) => x.arch),
      [largest, smallest],
    );
  });
});

void describe('uniform', () => {
  void test('trains one random subnet per step, even with distillation and several subnets', () => {
    const cfg = smallConfig({ distillation: true, sampler: { type: 'uniform', subnets: 4 } });
    const sampler = createSampler(cfg, new Rng(2));
    const keys = new Set<string>();
    for (let step = 0; step < 50; step++) {
      const s = sampler.sample(step / 50);
      assert.equal(s.length, 1);
      assert.equal(s[0].role, 'random');
      keys.add(JSON.stringify(s[0].arch));
    }
    assert.ok(keys.size > 40, 'subnets differ from step to step');
    assert.deepEqual(sampler.probabilities(), {});
  });
});

void test('every sampled subnet carries its analytic FLOPs', () => {
  for (const type of ['uniform', 'sandwich', 'complexity-aware', 'importance', 'pada']) {
    const sampler = createSampler(smallConfig({ sampler: { type } }), new Rng(5));
    for (let step = 0; step < 20; step++) {
      for (const s of sampler.sample(step / 20))
        assert.equal(s.flops, subnetCost(space, task, s.arch).flops);
    }
  }
});

void test('a returned subnet is a copy: editing it does not change later samples', () => {
  const sampler = createSampler(
    smallConfig({ sampler: { type: 'sandwich', subnets: 2 } }),
    new Rng(1),
  );
  sampler.sample(0)[0].arch.resolution = 1;
  assert.deepEqual(sampler.sample(0)[0].arch, largest);
});

void describe('delayed shrinking', () => {
  for (const type of ['uniform', 'sandwich', 'complexity-aware', 'importance', 'pada']) {
    void test(`${type}: only the largest subnet until the given progress`, () => {
      const sampler = createSampler(
        smallConfig({ delayedShrinking: 0.3, sampler: { type } }),
        new Rng(4),
      );
      for (let step = 0; step < 30; step++) {
        const s = sampler.sample(step / 100);
        assert.equal(s.length, 1);
        assert.equal(s[0].role, 'largest');
        assert.deepEqual(s[0].arch, largest);
        sampler.observe([fakeFeedback(s[0].arch)], step / 100);
      }
      const after = sampler.sample(0.3);
      assert.ok(
        after.some((x) => x.role !== 'largest'),
        'sampling starts at 0.3',
      );
    });
  }
});

void describe('state round-trip', () => {
  const cases: [string, Parameters<typeof smallConfig>[0]][] = [
    ['uniform', { sampler: { type: 'uniform' } }],
    ['sandwich', { sampler: { type: 'sandwich', subnets: 4 } }],
    ['complexity-aware', { sampler: { type: 'complexity-aware', subnets: 3 } }],
    [
      'complexity-aware without distillation',
      { distillation: false, sampler: { type: 'complexity-aware' } },
    ],
    ['importance', { sampler: { type: 'importance', subnets: 3 } }],
    [
      'importance after delayed shrinking',
      { delayedShrinking: 0.2, sampler: { type: 'importance' } },
    ],
    ['pada', { sampler: { type: 'pada' } }],
  ];
  for (const [name, patch] of cases) {
    void test(`${name}: a restored sampler continues exactly`, () => {
      const cfg = smallConfig(patch);
      const run = (
        sampler: ReturnType<typeof createSampler>,
        from: number,
        steps: number,
      ): SampledSubnet[][] => {
        const out: SampledSubnet[][] = [];
        for (let step = from; step < from + steps; step++) {
          const s = sampler.sample(step / 100);
          sampler.observe(
            s.map((x) => fakeFeedback(x.arch)),
            step / 100,
          );
          out.push(s);
        }
        return out;
      };
      const rng = new Rng(99);
      const sampler = createSampler(cfg, rng);
      run(sampler, 0, 50);
      const snapshot = JSON.stringify({ sampler: sampler.state(), rng: rng.state() });
      const probabilities = sampler.probabilities();
      const expected = run(sampler, 50, 50);

      const saved = JSON.parse(snapshot) as { sampler: unknown; rng: number[] };
      const resumed = createSampler(cfg, new Rng(saved.rng));
      resumed.restore(saved.sampler);
      assert.deepEqual(resumed.probabilities(), probabilities);
      assert.deepEqual(run(resumed, 50, 50), expected);
    });
  }

  void test('restoring the state of another sampler fails loudly', () => {
    const sandwich = createSampler(smallConfig({ sampler: { type: 'sandwich' } }), new Rng(1));
    const importance = createSampler(smallConfig({ sampler: { type: 'importance' } }), new Rng(1));
    assert.throws(() => importance.restore(sandwich.state()), /'sandwich', not 'importance'/);
  });
});
