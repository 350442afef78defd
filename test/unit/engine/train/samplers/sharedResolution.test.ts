import test from 'node:test';
import assert from 'node:assert/strict';
import { largestArch } from '../../../../../server/src/space/arch';
import { Rng } from '#shared/rng';
import { createSampler } from '../../../../../server/src/engine/train/samplers/samplers';
import { smallConfig } from '../fixtures';

void test('per-step resolution: one resolution for all subnets of a step, every one in turn', () => {
  const config = smallConfig({ sampler: { type: 'sandwich', subnets: 4, resolution: 'per-step' } });
  const sampler = createSampler(config, new Rng(2));
  const largest = largestArch(config.space, config.task);
  const seen = new Set<number>();
  for (let step = 0; step < 60; step++) {
    const subs = sampler.sample(step / 60);
    const r = subs[0].arch.resolution;
    seen.add(r);
    assert.ok(subs.every((s) => s.arch.resolution === r));
    assert.deepEqual(subs[0].arch.stages, largest.stages, 'the teacher keeps its largest layers');
    assert.equal(subs[0].role, 'largest');
  }
  assert.deepEqual([...seen].sort(), [20, 24, 28]);
  // Per subnet (BigNAS) the ends keep their own resolutions.
  const own = createSampler(
    smallConfig({ sampler: { type: 'sandwich', subnets: 4, resolution: 'per-subnet' } }),
    new Rng(2),
  );
  const [l, s] = own.sample(0.5);
  assert.deepEqual([l.arch.resolution, s.arch.resolution], [28, 20]);
});
