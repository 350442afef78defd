import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { largestArch } from '../../../../../server/src/space/arch';
import { type Arch } from '#shared/arch';
import { Rng } from '#shared/rng';
import { importanceOf } from '../../../../../server/src/engine/train/samplers/importanceSampler';
import { createSampler } from '../../../../../server/src/engine/train/samplers/samplers';
import type { PathFeedback } from '../../../../../server/src/engine/train/samplers/samplerTypes';
import { smallConfig } from '../fixtures';

/** Gradient norms in which a kernel-7 block has ten times the norm of a kernel-3 or 5 block. */
function kernel7Feedback(arch: Arch): PathFeedback {
  const stages = arch.stages.map(() => 1);
  const blocks = arch.stages.map((s) => s.blocks.map((b) => (b.kernel === 7 ? 10 : 1)));
  return {
    arch,
    totalGradNorm: 1,
    stageGradNorms: stages,
    blockGradNorms: blocks,
    tensorNormSums: { total: 1, stages, blocks },
  };
}

const uniform3 = [1 / 3, 1 / 3, 1 / 3];
const close = (a: number[], b: number[]): boolean => a.every((x, i) => Math.abs(x - b[i]) < 1e-12);

void describe('importance', () => {
  const cfg = smallConfig({
    sampler: { type: 'importance', subnets: 3, importanceWeight: 0.5, importanceMomentum: 0.9 },
  });

  void test('is uniform before any feedback and at progress 0 whatever the feedback', () => {
    const sampler = createSampler(cfg, new Rng(1));
    const p0 = sampler.probabilities();
    assert.ok(close(p0['stage1.block1.kernel'], uniform3));
    assert.ok(close(p0['stage2.depth'], uniform3));
    assert.ok(close(p0['stage1.width'], [0.5, 0.5]));
    for (let step = 0; step < 50; step++) {
      sampler.observe(
        sampler.sample(0).map((s) => kernel7Feedback(s.arch)),
        0,
      );
    }
    for (const [name, p] of Object.entries(sampler.probabilities())) {
      assert.ok(
        close(
          p,
          p.map(() => 1 / p.length),
        ),
        `${name}: ${p.join(', ')}`,
      );
    }
  });

  void test('raises the probability of the choice with larger gradient norms above uniform', () => {
    const rng = new Rng(2);
    const sampler = createSampler(cfg, rng);
    for (let step = 0; step < 200; step++) {
      const progress = step / 200;
      sampler.observe(
        sampler.sample(progress).map((s) => kernel7Feedback(s.arch)),
        progress,
      );
    }
    const p = sampler.probabilities();
    for (const name of ['stage1.block1.kernel', 'stage2.block1.kernel', 'stage2.block3.kernel']) {
      const [k3, k5, k7] = p[name];
      assert.ok(k7 > 1 / 3 + 0.1, `${name}: kernel 7 at ${k7}`);
      assert.ok(k3 < 1 / 3 && k5 < 1 / 3, `${name}: kernels 3 and 5 at ${k3}, ${k5}`);
      assert.ok(Math.abs(k3 + k5 + k7 - 1) < 1e-12);
      // λ = 0.5 × progress caps the shift: at most λ away from uniform.
      assert.ok(k3 >= (1 - 0.5) / 3 - 1e-12);
    }
    // Choices that do not matter stay near uniform: the expand ratio shares the block's
    // norm with the kernel, so its estimates are noisy but centred.
    assert.ok(close(p['stage1.depth'], [0.5, 0.5]));
    for (const x of p['stage1.block1.expand'])
      assert.ok(Math.abs(x - 1 / 3) < 0.1, `expand at ${x}`);

    // And the sampled subnets follow: kernel 7 is drawn more often than a third of the time.
    let sevens = 0;
    let blocks = 0;
    for (let i = 0; i < 500; i++) {
      for (const s of sampler.sample(1).slice(1)) {
        for (const b of s.arch.stages.flatMap((st) => st.blocks)) {
          blocks++;
          if (b.kernel === 7) sevens++;
        }
      }
    }
    assert.ok(sevens / blocks > 0.45, `kernel 7 in ${sevens} of ${blocks} blocks`);
  });

  void test('with distillation, the teacher comes first and its feedback is ignored', () => {
    const sampler = createSampler(cfg, new Rng(3));
    const largest = largestArch(cfg.space, cfg.task);
    const s = sampler.sample(0.5);
    assert.equal(s[0].role, 'largest');
    assert.deepEqual(s[0].arch, largest);
    assert.deepEqual(
      s.slice(1).map((x) => x.role),
      ['random', 'random'],
    );
    const before = sampler.probabilities();
    sampler.observe([kernel7Feedback(largest)], 0.5);
    assert.deepEqual(sampler.probabilities(), before);
  });

  void test('a choice never observed counts as the mean of the observed ones', () => {
    assert.deepEqual(importanceOf([null, null]), [0.5, 0.5]);
    assert.deepEqual(importanceOf([1, null, 3]), [1 / 6, 2 / 6, 3 / 6]);
    assert.deepEqual(importanceOf([0, 0]), [0.5, 0.5]);
  });
});
