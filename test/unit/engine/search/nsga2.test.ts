import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { constrainedDominates, type Score } from '../../../../server/src/engine/search/dominance';
import { nsga2 } from '../../../../server/src/engine/search/nsga2';
import type { GenerationInfo } from '../../../../server/src/engine/search/types';
import { gridProblem, sumAndComplement } from './gridProblem';

const keysOf = (batches: number[][][]) => batches.flat().map((g) => g.join(','));

void describe('NSGA-II engine', () => {
  void test('never sends a genome to evaluate twice, even when the space runs out', async () => {
    // 3 genes × 3 choices = 27 genomes; 10 × 20 would ask for 200.
    const problem = gridProblem(3, 3, sumAndComplement(3));
    const result = await nsga2(problem, { population: 10, generations: 20, seed: 1 });
    const keys = keysOf(problem.batches);
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(result.evaluations <= 27);
    assert.equal(result.evaluations, keys.length);
    assert.equal(result.generations, 20);
    assert.equal(result.population.length, 10);
  });

  void test('accepts duplicates after the retries, reusing their scores', async () => {
    // Without crossover and mutation every child copies a parent: after generation 0
    // nothing new can be made, and nothing more may be evaluated.
    const problem = gridProblem(6, 4, sumAndComplement(4));
    const result = await nsga2(problem, {
      population: 8,
      generations: 5,
      seed: 2,
      mutationRate: 0,
      crossoverRate: 0,
      maxDuplicateRetries: 3,
    });
    assert.equal(result.evaluations, 8);
    assert.equal(problem.batches.length, 1);
    assert.equal(result.population.length, 8);
  });

  void test('stops at the evaluation budget, cutting the last batch', async () => {
    const problem = gridProblem(12, 5, sumAndComplement(5));
    const seen: number[] = [];
    const result = await nsga2(problem, {
      population: 20,
      generations: 10,
      seed: 3,
      maxEvaluations: 50,
      onGeneration: (info) => void seen.push(info.evaluations),
    });
    assert.deepEqual(seen, [20, 40, 50]);
    assert.deepEqual(
      problem.batches.map((b) => b.length),
      [20, 20, 10],
    );
    assert.equal(result.stopReason, 'budget');
    assert.equal(result.generations, 3);
  });

  void test('checks shouldStop between generations', async () => {
    const problem = gridProblem(12, 5, sumAndComplement(5));
    const infos: GenerationInfo<number[]>[] = [];
    const result = await nsga2(problem, {
      population: 10,
      generations: 50,
      seed: 4,
      onGeneration: (info) => void infos.push(info),
      shouldStop: () => infos.length >= 3,
    });
    assert.equal(result.stopReason, 'stopped');
    assert.deepEqual(
      infos.map((i) => i.generation),
      [0, 1, 2],
    );
    assert.equal(result.evaluations, 30);
  });

  void test('reports a non-dominated front whose hypervolume never falls', async () => {
    const problem = gridProblem(10, 4, sumAndComplement(4));
    const infos: GenerationInfo<number[]>[] = [];
    await nsga2(problem, {
      population: 12,
      generations: 15,
      seed: 5,
      referencePoint: [31, 31],
      onGeneration: (info) => void infos.push(info),
    });
    for (const [k, info] of infos.entries()) {
      assert.deepEqual(info.referencePoint, [31, 31]);
      for (const a of info.front) {
        assert.ok(!info.front.some((b) => constrainedDominates(b, a)));
      }
      if (k > 0) assert.ok(info.hypervolume >= infos[k - 1].hypervolume);
    }
    // Sum and complement always add to 30: every genome is Pareto-optimal.
    const last = infos[infos.length - 1];
    assert.ok(last.front.every((e) => e.objectives[0] + e.objectives[1] === 30));
  });

  void test('default reference point lies beyond the first generation', async () => {
    const problem = gridProblem(10, 4, sumAndComplement(4));
    const result = await nsga2(problem, { population: 12, generations: 2, seed: 6 });
    const first = problem.batches[0].map((g) => sumAndComplement(4)(g).objectives);
    for (let m = 0; m < 2; m++) {
      assert.ok(first.every((o) => o[m] < result.referencePoint[m]));
    }
    assert.ok(result.hypervolume > 0);
  });

  void test('under constraints, finds feasible points and ranks them first', async () => {
    // Feasible only when gene 0 is 3: violation grows with the distance from it.
    const score = (g: readonly number[]): Score => ({
      ...sumAndComplement(4)(g),
      violation: Math.abs(3 - g[0]),
    });
    const problem = gridProblem(8, 4, score);
    const result = await nsga2(problem, { population: 16, generations: 15, seed: 7 });
    assert.ok(result.front.length > 0);
    assert.ok(result.front.every((e) => e.violation === 0));
    assert.ok(result.population.every((e) => e.violation === 0));
  });

  void test('rejects options it cannot run with and evaluations it cannot rank', async () => {
    const problem = gridProblem(3, 3, sumAndComplement(3));
    await assert.rejects(nsga2(problem, { population: 0, generations: 1, seed: 0 }), /population/);
    await assert.rejects(
      nsga2(problem, { population: 2, generations: 1, seed: 0, mutationRate: 2 }),
      /mutationRate/,
    );
    const bad = gridProblem(3, 3, () => ({ objectives: [NaN, 1], violation: 0 }));
    await assert.rejects(nsga2(bad, { population: 2, generations: 1, seed: 0 }), /non-finite/);
  });
});
