import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomSearch } from '../../../../server/src/engine/search/randomSearch';
import type { GenerationInfo } from '../../../../server/src/engine/search/types';
import { gridProblem, sumAndComplement } from './gridProblem';

void describe('random search', () => {
  void test('evaluates batches of the population size and reports each', async () => {
    const problem = gridProblem(10, 5, sumAndComplement(5));
    const infos: GenerationInfo<number[]>[] = [];
    const result = await randomSearch(problem, {
      population: 8,
      generations: 4,
      seed: 1,
      onGeneration: (info) => void infos.push(info),
    });
    assert.deepEqual(
      problem.batches.map((b) => b.length),
      [8, 8, 8, 8],
    );
    assert.deepEqual(
      infos.map((i) => [i.generation, i.evaluations, i.population.length]),
      [
        [0, 8, 8],
        [1, 16, 8],
        [2, 24, 8],
        [3, 32, 8],
      ],
    );
    assert.equal(result.stopReason, 'generations');
    assert.equal(result.evaluated.length, 32);
  });

  void test('never evaluates a genome twice and ends when the space is used up', async () => {
    // 2 genes × 3 choices = 9 genomes.
    const problem = gridProblem(2, 3, sumAndComplement(3));
    const result = await randomSearch(problem, { population: 4, generations: 10, seed: 2 });
    const keys = problem.batches.flat().map((g) => g.join(','));
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(keys.length, 9);
    assert.equal(result.stopReason, 'exhausted');
  });

  void test('is deterministic for a seed and honours the budget', async () => {
    const run = async (seed: number) => {
      const problem = gridProblem(10, 5, sumAndComplement(5));
      await randomSearch(problem, { population: 8, generations: 10, seed, maxEvaluations: 20 });
      return problem.batches;
    };
    const a = await run(3);
    assert.deepEqual(a, await run(3));
    assert.notDeepEqual(a, await run(4));
    assert.deepEqual(
      a.map((b) => b.length),
      [8, 8, 4],
    );
  });
});
