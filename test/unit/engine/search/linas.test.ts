import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Score } from '../../../../server/src/engine/search/dominance';
import {
  linas,
  predictionQuality,
  type LinasGenerationInfo,
} from '../../../../server/src/engine/search/linas';
import { nsga2 } from '../../../../server/src/engine/search/nsga2';
import { ridgeSurrogate } from '../../../../server/src/engine/search/surrogate';
import type { GenerationInfo, SearchOptions } from '../../../../server/src/engine/search/types';
import { gridProblem, sumAndComplement } from './gridProblem';
import { ZDT1 } from './zdt';

const keysOf = (batches: number[][][]) => batches.flat().map((g) => g.join(','));

/** The genes as numbers: exact for objectives linear in them. */
const raw = (g: number[]) => Float64Array.from(g);

/** One 0/1 column per gene and choice: fits any per-gene effect, e.g. |3 − g₀|. */
const oneHot = (choices: number) => (g: number[]) => {
  const f = new Float64Array(g.length * choices);
  g.forEach((v, i) => (f[i * choices + v] = 1));
  return f;
};

/** Small inner searches: these tests are about the contract, not the quality. */
const QUICK = { candidates: 40, innerGenerations: 5 };

void describe('LINAS engine', () => {
  void test('is deterministic for a seed', async () => {
    const run = async (seed: number) => {
      const problem = gridProblem(8, 5, sumAndComplement(5));
      await linas(problem, { population: 8, generations: 5, seed }, ridgeSurrogate(raw), QUICK);
      return problem.batches;
    };
    const [a, b, c] = await Promise.all([run(4), run(4), run(5)]);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  void test('never sends a genome to evaluate twice, and ends when nothing new is left', async () => {
    // 3 genes × 3 choices = 27 genomes; 10 × 20 would ask for 200.
    const problem = gridProblem(3, 3, sumAndComplement(3));
    const result = await linas(
      problem,
      { population: 10, generations: 20, seed: 1 },
      ridgeSurrogate(raw),
      QUICK,
    );
    const keys = keysOf(problem.batches);
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(result.evaluations, keys.length);
    assert.ok(result.evaluations <= 27);
    assert.equal(result.stopReason, 'exhausted');
  });

  void test('stops at the evaluation budget, cutting the last batch', async () => {
    const problem = gridProblem(12, 5, sumAndComplement(5));
    const seen: number[] = [];
    const result = await linas(
      problem,
      {
        population: 20,
        generations: 10,
        seed: 3,
        maxEvaluations: 50,
        onGeneration: (info) => void seen.push(info.evaluations),
      },
      ridgeSurrogate(raw),
      QUICK,
    );
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
    // Plain SearchOptions work: LINAS only adds to what onGeneration sees.
    const options: SearchOptions<number[]> = {
      population: 10,
      generations: 50,
      seed: 4,
      onGeneration: (info) => void infos.push(info),
      shouldStop: () => infos.length >= 3,
    };
    const result = await linas(problem, options, ridgeSurrogate(raw), QUICK);
    assert.equal(result.stopReason, 'stopped');
    assert.deepEqual(
      infos.map((i) => i.generation),
      [0, 1, 2],
    );
    assert.equal(result.evaluations, 30);
  });

  void test('reports the predictions of exactly the batch then evaluated', async () => {
    const problem = gridProblem(6, 5, sumAndComplement(5));
    const infos: LinasGenerationInfo<number[]>[] = [];
    await linas(
      problem,
      { population: 16, generations: 4, seed: 5, onGeneration: (info) => void infos.push(info) },
      ridgeSurrogate(raw),
      QUICK,
    );
    assert.equal(infos[0].predicted, undefined);
    for (const info of infos.slice(1)) {
      const predicted = info.predicted ?? [];
      assert.deepEqual(
        predicted.map((p) => p.genome),
        problem.batches[info.generation],
      );
      // Both objectives are linear in the genes and 16 rows pin the 7 parameters down:
      // the surrogate is all but exact (τ < 1 only where near-equal predictions of tied
      // sums come out in either order).
      const actual = predicted.map((p) => sumAndComplement(5)(p.genome).objectives);
      for (const k of [0, 1]) {
        const q = predictionQuality(
          predicted.map((p) => p.objectives[k]),
          actual.map((a) => a[k]),
        );
        assert.ok(
          q.tau > 0.95 && q.mape < 1,
          `generation ${info.generation}: ${JSON.stringify(q)}`,
        );
      }
    }
  });

  void test('under constraints, finds feasible points and ranks them first', async () => {
    // Feasible only when gene 0 is 3; one-hot features let the surrogate model |3 − g₀|.
    const score = (g: readonly number[]): Score => ({
      ...sumAndComplement(4)(g),
      violation: Math.abs(3 - g[0]),
    });
    const problem = gridProblem(8, 4, score);
    const result = await linas(
      problem,
      { population: 16, generations: 6, seed: 7 },
      ridgeSurrogate(oneHot(4)),
      QUICK,
    );
    assert.ok(result.front.length > 0);
    assert.ok(result.front.every((e) => e.violation === 0));
    assert.ok(result.population.every((e) => e.violation === 0));
  });

  void test('rejects inner-search options it cannot run with', async () => {
    const problem = gridProblem(3, 3, sumAndComplement(3));
    const options = { population: 4, generations: 2, seed: 0 };
    for (const [bad, message] of [
      [{ candidates: 0 }, /candidates/],
      [{ innerGenerations: 1.5 }, /innerGenerations/],
      [{ exploration: -1 }, /exploration/],
    ] as const) {
      await assert.rejects(linas(problem, options, ridgeSurrogate(raw), bad), message);
    }
  });
});

void describe('LINAS against NSGA-II', () => {
  // ZDT1 on a grid: 10 genes of 11 values, x = gene / 10. f₂ grows with every gene but
  // the first, so even a linear model of the raw genes points straight at the front.
  const GENES = 10;
  const CHOICES = 11;
  const zdt = (g: readonly number[]) => ZDT1.score(g.map((v) => v / (CHOICES - 1)));
  const REFERENCE = [1.1, 11]; // f₂ ≤ g ≤ 10

  async function trace(engine: 'nsga2' | 'linas', seed: number) {
    const problem = gridProblem(GENES, CHOICES, zdt);
    const hv: [evaluations: number, hypervolume: number][] = [];
    const options: SearchOptions<number[]> = {
      population: 10,
      generations: 20,
      seed,
      mutationRate: 1 / GENES,
      referencePoint: REFERENCE,
      onGeneration: (info) => void hv.push([info.evaluations, info.hypervolume]),
    };
    const result =
      engine === 'nsga2'
        ? await nsga2(problem, options)
        : await linas(problem, options, ridgeSurrogate(raw, { seed }));
    return { result, hv };
  }

  void test('reaches 99% of NSGA-II’s final hypervolume with far fewer evaluations', async () => {
    const rows: string[] = [];
    let nsga2Total = 0;
    let linasTotal = 0;
    for (const seed of [1, 2, 3]) {
      const n = await trace('nsga2', seed);
      const l = await trace('linas', seed);
      const target = 0.99 * n.result.hypervolume;
      const reachedAt = (hv: [number, number][]) =>
        hv.find(([, v]) => v >= target)?.[0] ?? Infinity;
      nsga2Total += reachedAt(n.hv);
      linasTotal += reachedAt(l.hv);
      assert.equal(l.result.evaluations, n.result.evaluations);
      rows.push(
        `seed ${seed}: NSGA-II HV ${n.result.hypervolume.toFixed(3)} reached 99% at ` +
          `${reachedAt(n.hv)} evaluations, LINAS at ${reachedAt(l.hv)} (final HV ${l.result.hypervolume.toFixed(3)})`,
      );
    }
    // Seen: NSGA-II ≈ 173 evaluations on average, LINAS ≈ 27; half is a wide margin.
    assert.ok(linasTotal <= 0.5 * nsga2Total, rows.join('; '));
  });
});

void describe('prediction quality', () => {
  void test('is Kendall’s τ and the MAPE over non-zero actual values', () => {
    // Same order: τ = 1; errors 0, 0 and |3 − 4| / 4 = 25%, mean 25/3 %.
    const q = predictionQuality([1, 2, 3], [1, 2, 4]);
    assert.equal(q.tau, 1);
    assert.ok(Math.abs(q.mape - 25 / 3) < 1e-12);
    // The actual 0 is skipped: only |5 − 4| / 4 = 25% counts.
    assert.deepEqual(predictionQuality([1, 5], [0, 4]), { tau: 1, mape: 25 });
    // Reversed order: τ = −1; all actual values 0: no MAPE.
    assert.equal(predictionQuality([3, 2, 1], [1, 2, 3]).tau, -1);
    assert.ok(Number.isNaN(predictionQuality([1, 2], [0, 0]).mape));
  });
});
