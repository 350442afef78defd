import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { hypervolume } from '../../../../server/src/engine/search/hypervolume';
import { nsga2 } from '../../../../server/src/engine/search/nsga2';
import { firstFront } from '../../../../server/src/engine/search/nondominatedSort';
import { realProblem } from './realProblem';
import { ZDT1, ZDT2, type Zdt } from './zdt';

const VARIABLES = 30;
const REFERENCE = [1.1, 1.1];
const BUDGET = 25_000;

void describe('the optimal ZDT fronts', () => {
  for (const zdt of [ZDT1, ZDT2]) {
    void test(`${zdt.name}: 10,000 points of the true front have the analytic hypervolume`, () => {
      const pts = Array.from({ length: 10_000 }, (_, i) => {
        const f1 = i / 9_999;
        return [f1, zdt.front(f1)];
      });
      // The staircase under-covers the curve by about Σ Δf₁·Δf₂ / 2 ≈ 1/(2·10⁴).
      const hv = hypervolume(pts, REFERENCE);
      assert.ok(hv <= zdt.optimalHypervolume && zdt.optimalHypervolume - hv < 1e-4, `${hv}`);
      // And the true front scores as such: g = 1 when x₂…xₙ = 0.
      const x = [0.25, ...new Array<number>(VARIABLES - 1).fill(0)];
      assert.deepEqual(zdt.score(x).objectives, [0.25, zdt.front(0.25)]);
    });
  }
});

async function solve(zdt: Zdt, seed: number) {
  const problem = realProblem({
    lower: new Array<number>(VARIABLES).fill(0),
    upper: new Array<number>(VARIABLES).fill(1),
    score: (x) => zdt.score(x),
  });
  let reachedAt: number | undefined;
  const result = await nsga2(problem, {
    population: 100,
    generations: 250,
    seed,
    crossoverRate: 0.9,
    mutationRate: 1 / VARIABLES,
    maxEvaluations: BUDGET,
    referencePoint: REFERENCE,
    onGeneration(info) {
      if (reachedAt === undefined && info.hypervolume >= 0.95 * zdt.optimalHypervolume) {
        reachedAt = info.evaluations;
      }
    },
  });
  const pop = result.population;
  const populationHv = hypervolume(
    firstFront(pop).map((i) => pop[i].objectives),
    REFERENCE,
  );
  return { result, reachedAt, populationHv };
}

void describe('NSGA-II with SBX and polynomial mutation', () => {
  for (const zdt of [ZDT1, ZDT2]) {
    void test(`reaches 95% of the optimal ${zdt.name} hypervolume within ${BUDGET} evaluations`, async (t) => {
      const { result, reachedAt, populationHv } = await solve(zdt, 1);
      const ratio = populationHv / zdt.optimalHypervolume;
      t.diagnostic(
        `${zdt.name}: final population HV ${populationHv.toFixed(4)} = ${(100 * ratio).toFixed(2)}% of ` +
          `${zdt.optimalHypervolume.toFixed(4)}; archive ${((100 * result.hypervolume) / zdt.optimalHypervolume).toFixed(2)}%; ` +
          `95% first reached after ${reachedAt} evaluations; ${result.evaluations} evaluations in all`,
      );
      assert.ok(result.evaluations <= BUDGET);
      assert.ok(ratio >= 0.95, `HV ratio ${ratio}`);
      assert.ok(reachedAt !== undefined && reachedAt <= BUDGET);
      // The archive's front can only be better than the population's.
      assert.ok(result.hypervolume >= populationHv - 1e-12);
    });
  }

  void test('is deterministic for a seed', async () => {
    const problem = realProblem({
      lower: new Array<number>(VARIABLES).fill(0),
      upper: new Array<number>(VARIABLES).fill(1),
      score: (x) => ZDT1.score(x),
    });
    const run = (seed: number) =>
      nsga2(problem, { population: 20, generations: 10, seed, mutationRate: 1 / VARIABLES });
    const [a, b, c] = await Promise.all([run(4), run(4), run(5)]);
    assert.deepEqual(
      a.evaluated.map((e) => e.genome),
      b.evaluated.map((e) => e.genome),
    );
    assert.notDeepEqual(
      a.evaluated.map((e) => e.genome),
      c.evaluated.map((e) => e.genome),
    );
  });
});
