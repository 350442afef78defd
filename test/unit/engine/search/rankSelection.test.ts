import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { archKey } from '#shared/arch';
import { stratifiedArchs } from '../../../../server/src/space/stratifiedArchs';
import { StandaloneCache } from '../../../../server/src/engine/run/standaloneCache';
import { spaceDecisions } from '../../../../server/src/space/decisions';
import { subnetCost } from '../../../../server/src/space/facts';
import { elastic } from '../export/fixtures';

const flopsOf = (a: Parameters<typeof archKey>[0]) =>
  subnetCost(elastic.space, elastic.task, a).flops;

void test('a ranking check draws its subnets across the FLOPs range, one per stratum', () => {
  const decisions = spaceDecisions(elastic.space, elastic.task);
  const picked = stratifiedArchs(decisions, flopsOf, 8, 7);
  assert.equal(picked.length, 8);
  assert.equal(new Set(picked.map(archKey)).size, 8, 'the same subnet twice');
  const flops = picked.map(flopsOf);
  assert.deepEqual(
    flops,
    [...flops].sort((a, b) => a - b),
    'one per stratum, in FLOPs order',
  );
  // The strata span the pool: the lowest pick is in the bottom eighth, the highest in the top.
  const pool = stratifiedArchs(decisions, flopsOf, 160, 7).map(flopsOf);
  assert.ok(flops[0] <= pool[Math.floor(pool.length / 8)]);
  assert.ok(flops[7] >= pool[Math.floor((7 * pool.length) / 8) - 1]);
  assert.deepEqual(stratifiedArchs(decisions, flopsOf, 8, 7).map(archKey), picked.map(archKey));
});

void test('stand-alone results are kept per recipe and epochs, and read back after a restart', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'standalone-'));
  const file = path.join(dir, 'standalone.jsonl');
  try {
    const a = new StandaloneCache(file, 'recipe-1');
    a.add('k1', 1, { accuracy: 0.8, loss: 0.5, images: 100, seconds: 3 });
    a.add('k2', 1, { accuracy: 0.7, loss: 0.6, images: 100, seconds: 2, worker: 'w1' });
    a.close();
    // A killed engine's torn last line is skipped.
    appendFileSync(file, '{"recipe":"recipe-1","key":"k3","epo');
    const b = new StandaloneCache(file, 'recipe-1');
    assert.equal(b.get('k1', 1)?.accuracy, 0.8);
    assert.equal(b.get('k2', 1)?.worker, 'w1');
    assert.equal(b.get('k1', 0.5), undefined, 'other epochs are another training');
    assert.equal(b.get('k3', 1), undefined);
    b.close();
    assert.equal(new StandaloneCache(file, 'recipe-2').get('k1', 1), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
