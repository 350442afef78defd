import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Arch } from '#shared/arch';
import { resolveConfig } from '../../../../../server/src/config/resolve';
import { largestArch } from '../../../../../server/src/space/arch';
import { Rng } from '#shared/rng';
import { padaDistribution } from '../../../../../server/src/engine/train/samplers/padaSampler';
import { createSampler } from '../../../../../server/src/engine/train/samplers/samplers';
import type {
  PathFeedback,
  Sampler,
} from '../../../../../server/src/engine/train/samplers/samplerTypes';
import { smallConfig } from '../fixtures';

/** Two resolutions; one stage of 1 or 2 blocks, 8 or 16 wide, kernel 3 or 5, one expand ratio. */
const TINY = `
task: { dataset: fashion-mnist, input: [28, 28, 1], classes: 10 }
space:
  resolution: [24, 28]
  stem: { width: 8, kernel: 3, stride: 1 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [3], stride: 2 }
  head: { width: 16 }
train: { sampler: { type: pada } }
`;

function tiny(): Sampler {
  const r = resolveConfig(TINY);
  assert.deepEqual(
    r.problems.filter((p) => p.severity === 'error'),
    [],
  );
  return createSampler(r.config, new Rng(1));
}

const arch = (resolution: number, width: number, kernels: number[]): Arch => ({
  resolution,
  stages: [
    { depth: kernels.length, width, blocks: kernels.map((kernel) => ({ kernel, expand: 3 })) },
  ],
});

/**
 * Feedback whose PA&DA norms (sums of per-tensor norms) are given; the ‖∇‖₂ figures the
 * `importance` sampler uses are set to something else, which PA&DA must not read.
 */
function feedback(a: Arch, total: number, stage: number, blocks: number[]): PathFeedback {
  return {
    arch: a,
    totalGradNorm: 1000,
    stageGradNorms: [1000],
    blockGradNorms: [blocks.map(() => 1000)],
    tensorNormSums: { total, stages: [stage], blocks: [blocks] },
  };
}

const near = (a: number[], b: number[], what: string): void =>
  assert.ok(
    a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) < 1e-12),
    `${what}: ${a.join(', ')} against ${b.join(', ')}`,
  );

void describe('pada path sampling', () => {
  void test('probabilities after given feedback, by hand', () => {
    const sampler = tiny();
    // Epoch 0 begins at progress 0: whatever it sees, τ = 0 keeps epoch 1 uniform.
    sampler.sample(0);
    sampler.observe([feedback(arch(28, 16, [5, 3]), 10, 8, [6, 2])], 0);
    sampler.epochEnd();
    for (const [name, p] of Object.entries(sampler.probabilities()))
      near(
        p,
        p.map(() => 1 / p.length),
        name,
      );

    // Epoch 1 begins at progress 0.25, so τ = 0.25 when it closes.
    sampler.sample(0.25);
    sampler.observe(
      [
        feedback(arch(28, 16, [5, 3]), 10, 8, [6, 2]),
        feedback(arch(24, 8, [3]), 4, 3, [3]),
        feedback(arch(28, 8, [3]), 6, 5, [5]),
      ],
      0.3,
    );
    sampler.epochEnd();
    const p = sampler.probabilities();
    // Each choice's running value starts at 0 and halves toward every value: g ← (g + v)/2.
    //   resolution  24: 4/2 = 2;             28: (10/2 + 6)/2 = 5.5
    //   width        8: (3/2 + 5)/2 = 3.25;  16: 8/2 = 4
    //   depth        1: 3.25 (as width 8);    2: 4
    //   block1 kernel 3: (3/2 + 5)/2 = 3.25;  5: 6/2 = 3
    //   block2 kernel 3: 2/2 = 1;             5: never taken, 0
    // p = τ·g/Σg + (1 − τ)/2, τ = 1/4.
    const mix = (g: number[]) => g.map((x) => x / (4 * (g[0] + g[1])) + 3 / 8);
    near(p.resolution, mix([2, 5.5]), 'resolution');
    near(p['stage1.width'], mix([3.25, 4]), 'width');
    near(p['stage1.depth'], mix([3.25, 4]), 'depth');
    near(p['stage1.block1.kernel'], mix([3.25, 3]), 'block 1 kernel');
    // A choice not trained in the epoch keeps only the uniform share (1 − τ)/2.
    near(p['stage1.block2.kernel'], [1 / 4 + 3 / 8, 3 / 8], 'block 2 kernel');
    near(p['stage1.block1.expand'], [1], 'a decision of one choice');

    // The running values restart each epoch: an epoch that sees only kernel 5 in block 1
    // puts all of its importance there.
    sampler.sample(0.5);
    sampler.observe([feedback(arch(28, 16, [5, 3]), 10, 8, [6, 2])], 0.5);
    sampler.epochEnd();
    near(sampler.probabilities()['stage1.block1.kernel'], [0.25, 0.75], 'after epoch 2');
  });

  void test('nothing observed: the distribution stays; a zero or NaN norm is skipped', () => {
    assert.deepEqual(padaDistribution([0, 0], 0.5, [0.3, 0.7]), [0.3, 0.7]);
    const sampler = tiny();
    sampler.sample(0.5);
    sampler.observe([feedback(arch(28, 16, [5]), 0, NaN, [Infinity])], 0.5);
    sampler.epochEnd();
    for (const p of Object.values(sampler.probabilities()))
      near(
        p,
        p.map(() => 1 / p.length),
        'unchanged',
      );
    // An epoch end without a draw since the last (delayed shrinking) changes nothing either.
    sampler.epochEnd();
  });

  void test('one path per step, whatever `subnets` and `distillation` say, at its own resolution', () => {
    const cfg = smallConfig({
      distillation: true,
      sampler: { type: 'pada', subnets: 4, resolution: 'per-step' },
    });
    const sampler = createSampler(cfg, new Rng(3));
    for (let step = 0; step < 20; step++) {
      const s = sampler.sample(step / 20);
      assert.equal(s.length, 1);
      assert.equal(s[0].role, 'random');
    }
    // Resolution is the path's own decision: it follows the learned distribution.
    const skewed = createSampler(cfg, new Rng(4));
    skewed.sample(0.5);
    const big = (a: Arch): PathFeedback => ({
      arch: a,
      totalGradNorm: 1,
      stageGradNorms: a.stages.map(() => 1),
      blockGradNorms: a.stages.map((s) => s.blocks.map(() => 1)),
      tensorNormSums: {
        total: a.resolution === 20 ? 100 : 1,
        stages: a.stages.map(() => 1),
        blocks: a.stages.map((s) => s.blocks.map(() => 1)),
      },
    });
    const largest = largestArch(cfg.space, cfg.task);
    for (const r of [20, 24, 28]) skewed.observe([big({ ...largest, resolution: r })], 0.5);
    skewed.epochEnd();
    const pr = skewed.probabilities().resolution;
    // g = (100, 1, 1)/2, τ = 0.5: p(20) = 0.5·100/102 + 0.5/3.
    near(pr, [50 / 102 + 1 / 6, 0.5 / 102 + 1 / 6, 0.5 / 102 + 1 / 6], 'resolution');
    let at20 = 0;
    const draws = 3000;
    for (let i = 0; i < draws; i++) if (skewed.sample(0.6)[0].arch.resolution === 20) at20++;
    // Binomial: standard deviation √(p(1 − p)/n) ≈ 0.009; 5 of them.
    assert.ok(Math.abs(at20 / draws - pr[0]) < 0.045, `resolution 20 in ${at20} of ${draws}`);
  });

  void test('state round-trip mid-epoch: the resumed sampler draws and learns the same', () => {
    const cfg = smallConfig({ sampler: { type: 'pada' } });
    const fb = (a: Arch): PathFeedback => {
      const blocks = a.stages.map((s) => s.blocks.map((b) => b.kernel * b.expand));
      return {
        arch: a,
        totalGradNorm: 1,
        stageGradNorms: a.stages.map(() => 1),
        blockGradNorms: blocks,
        tensorNormSums: {
          total: a.resolution,
          stages: a.stages.map((s) => s.width),
          blocks,
        },
      };
    };
    const run = (s: Sampler, from: number, steps: number): string[] => {
      const out: string[] = [];
      for (let step = from; step < from + steps; step++) {
        const [sub] = s.sample(step / 40);
        s.observe([fb(sub.arch)], step / 40);
        if ((step + 1) % 8 === 0) s.epochEnd();
        out.push(JSON.stringify(sub.arch));
      }
      return out;
    };
    const rng = new Rng(7);
    const sampler = createSampler(cfg, rng);
    run(sampler, 0, 21);
    const snapshot = JSON.stringify({ sampler: sampler.state(), rng: rng.state() });
    const probabilities = sampler.probabilities();
    const [k3, k5, k7] = probabilities['stage1.block1.kernel'];
    assert.ok(k3 < k5 && k5 < k7, 'the state carries a learned distribution');
    const expected = run(sampler, 21, 19);
    const saved = JSON.parse(snapshot) as { sampler: unknown; rng: number[] };
    const resumed = createSampler(cfg, new Rng(saved.rng));
    resumed.restore(saved.sampler);
    assert.deepEqual(resumed.probabilities(), probabilities);
    assert.deepEqual(run(resumed, 21, 19), expected);
    assert.deepEqual(resumed.probabilities(), sampler.probabilities());
  });

  void test('restore refuses a state that is not this space’s PA&DA state', () => {
    const sampler = tiny();
    const good = sampler.state() as Record<string, unknown>;
    const importance = createSampler(smallConfig({ sampler: { type: 'importance' } }), new Rng(1));
    assert.throws(() => sampler.restore(importance.state()), /'importance', not 'pada'/);
    assert.throws(
      () => sampler.restore({ ...good, epochStart: 'soon' }),
      /'epochStart' must be a progress/,
    );
    const dist = good.distributions as Record<string, number[]>;
    assert.throws(
      () => sampler.restore({ ...good, distributions: { ...dist, resolution: [0.9, 0.9] } }),
      /no valid 'distributions' for 'resolution'/,
    );
    const other = createSampler(smallConfig({ sampler: { type: 'pada' } }), new Rng(1));
    assert.throws(() => sampler.restore(other.state()), /a checkpoint of another space/);
  });
});
