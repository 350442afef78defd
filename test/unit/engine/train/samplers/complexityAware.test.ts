import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { archInSpace, largestArch } from '../../../../../server/src/space/arch';
import { spaceFacts } from '../../../../../server/src/space/facts';
import { Rng } from '#shared/rng';
import { createSampler } from '../../../../../server/src/engine/train/samplers/samplers';
import { smallConfig } from '../fixtures';

/** Runs `steps` steps; returns the FLOPs of each step's sampled (non-teacher) subnets. */
function sampledFlops(
  patch: Parameters<typeof smallConfig>[0],
  steps: number,
  seed: number,
): number[][] {
  const cfg = smallConfig(patch);
  const sampler = createSampler(cfg, new Rng(seed));
  const largest = largestArch(cfg.space, cfg.task);
  const out: number[][] = [];
  for (let step = 0; step < steps; step++) {
    const s = sampler.sample(step / steps);
    if (cfg.train.distillation && cfg.train.sampler.subnets >= 2) {
      assert.equal(s[0].role, 'largest');
      assert.deepEqual(s[0].arch, largest);
      s.shift();
    }
    assert.equal(
      s.length,
      cfg.train.distillation
        ? Math.max(1, cfg.train.sampler.subnets - 1)
        : cfg.train.sampler.subnets,
    );
    for (const x of s) {
      assert.equal(x.role, 'random');
      assert.ok(archInSpace(x.arch, cfg.space, cfg.task));
    }
    out.push(s.map((x) => x.flops));
  }
  return out;
}

function assertBounded(steps: number[][], bound: number): void {
  const slack = bound * 1e-9;
  for (let t = 1; t < steps.length; t++) {
    for (const a of steps[t]) {
      for (const b of [...steps[t - 1], ...steps[t]]) {
        assert.ok(Math.abs(a - b) <= bound + slack, `step ${t}: |${a} − ${b}| > ${bound}`);
      }
    }
  }
}

void describe('complexity-aware', () => {
  const [min, max] = spaceFacts(smallConfig()).flops;

  void test('over 2,000 steps adjacent steps differ by at most maxFlopsChange of the range, and the range is covered', () => {
    const steps = sampledFlops(
      { sampler: { type: 'complexity-aware', subnets: 3, maxFlopsChange: 0.25 } },
      2000,
      1,
    );
    assertBounded(steps, 0.25 * (max - min));
    const bins = new Array<number>(10).fill(0);
    for (const f of steps.flat()) bins[Math.min(9, Math.floor(((f - min) / (max - min)) * 10))]++;
    assert.ok(
      bins.every((b) => b > 0),
      `every tenth of the FLOPs range is sampled: ${bins.join(', ')}`,
    );
  });

  void test('holds the bound when it is tight, where rejection sampling must fall back', () => {
    for (const seed of [2, 3]) {
      const steps = sampledFlops(
        {
          distillation: false,
          sampler: { type: 'complexity-aware', subnets: 2, maxFlopsChange: 0.02 },
        },
        300,
        seed,
      );
      assertBounded(steps, 0.02 * (max - min));
    }
  });

  void test('with one subnet and distillation there is no teacher slot: the subnet is sampled', () => {
    const steps = sampledFlops(
      { sampler: { type: 'complexity-aware', subnets: 1, maxFlopsChange: 0.1 } },
      300,
      4,
    );
    assertBounded(steps, 0.1 * (max - min));
  });
});
