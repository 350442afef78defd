import test from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { jobConfig, recipeId } from '../../../server/src/bench/rankingTruth';

const FILE = path.join(__dirname, '..', '..', '..', '..', 'examples', 'ranking.supernet.yaml');

void test('a truth job trains with its own seed on the table’s validation images', () => {
  const c = jobConfig(FILE, 7, 0);
  assert.equal(c.train.seed, 7);
  assert.equal(c.task.splitSeed, 0);
});

void test('the recipe identity follows what a stand-alone training depends on, nothing else', () => {
  const base = jobConfig(FILE, 0, 0);
  const id = recipeId({ epochs: 2 } as never, base);
  // Supernet-only settings and the seed do not change it (the log stays valid) …
  for (const train of [
    { ...base.train, kernelTransform: true },
    { ...base.train, distillation: false },
    { ...base.train, seed: 3 },
    { ...base.train, sampler: { ...base.train.sampler, subnets: 6 } },
  ])
    assert.equal(recipeId({ epochs: 2 } as never, { ...base, train }), id);
  // … the optimizer, the epochs, the data and the space do.
  const lr = { ...base.train, optimizer: { ...base.train.optimizer, lr: 0.1 } };
  assert.notEqual(recipeId({ epochs: 2 } as never, { ...base, train: lr }), id);
  assert.notEqual(recipeId({ epochs: 3 } as never, base), id);
  assert.notEqual(
    recipeId({ epochs: 2 } as never, { ...base, task: { ...base.task, validationSplit: 0.2 } }),
    id,
  );
  assert.notEqual(
    recipeId({ epochs: 2 } as never, { ...base, space: { ...base.space, resolution: [28] } }),
    id,
  );
});
