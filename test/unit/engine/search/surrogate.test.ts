import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { TRAIN_SMALL } from '../../../fixtures/configs';
import { spaceDecisions } from '../../../../server/src/space/decisions';
import { archProblem } from '../../../../server/src/engine/search/archProblem';
import type { Score } from '../../../../server/src/engine/search/dominance';
import { archFeatures, ridgeSurrogate } from '../../../../server/src/engine/search/surrogate';
import type { ScoredGenome } from '../../../../server/src/engine/search/types';

/** Two stages of up to 2 and 3 blocks: 15 genes. */
function smallSpace() {
  const r = resolveConfig(TRAIN_SMALL);
  assert.deepEqual(
    r.problems.filter((p) => p.severity === 'error'),
    [],
  );
  return spaceDecisions(r.config.space, r.config.task);
}

void describe('arch features', () => {
  const dec = smallSpace();
  const problem = archProblem(dec, (archs) =>
    Promise.resolve(archs.map((): Score => ({ objectives: [0], violation: 0 }))),
  );
  const features = archFeatures(problem);
  const gene = (name: string) => dec.all.findIndex((d) => d.name === name);
  const genome = (set: Record<string, number>) => {
    const g = new Array<number>(dec.all.length).fill(0);
    for (const [name, choice] of Object.entries(set)) g[gene(name)] = choice;
    return g;
  };

  void test('are one-hot per active decision', () => {
    const g = genome({ 'stage1.depth': 1, 'stage2.depth': 2, 'stage1.block2.kernel': 2 });
    const f = features(g);
    // 3 resolutions; stage 1: 2 depths, 2 widths, 2 blocks × (3 + 3); stage 2: 3, 2, 3 × (3 + 3).
    assert.equal(f.length, 3 + (2 + 2 + 12) + (3 + 2 + 18));
    assert.ok(f.every((v) => v === 0 || v === 1));
    // Every decision is active here (both stages at their deepest): one 1 per decision.
    assert.equal(
      f.reduce((s, v) => s + v, 0),
      dec.all.length,
    );
  });

  void test('zero the genes a shallower depth leaves out', () => {
    // Stage 1 at depth 2, stage 2 at depth 1: stage 2's blocks 2 and 3 are inactive,
    // whatever their genes say.
    const a = genome({ 'stage1.depth': 1, 'stage2.depth': 0 });
    const b = genome({
      'stage1.depth': 1,
      'stage2.depth': 0,
      'stage2.block2.kernel': 2,
      'stage2.block3.expand': 1,
    });
    assert.equal(problem.key(a), problem.key(b));
    assert.deepEqual(features(a), features(b));
    const inactive = 2 * 2; // kernel and expand of two blocks
    assert.equal(
      features(a).reduce((s, v) => s + v, 0),
      dec.all.length - inactive,
    );
    // At depth 3 those genes are active and tell the subnets apart.
    const c = genome({ 'stage1.depth': 1, 'stage2.depth': 2 });
    const d = genome({ 'stage1.depth': 1, 'stage2.depth': 2, 'stage2.block2.kernel': 2 });
    assert.notDeepEqual(features(c), features(d));
  });
});

void describe('ridge surrogate', () => {
  const genomes = Array.from({ length: 24 }, (_, i) => [i % 4, Math.floor(i / 4) % 3, i % 5]);
  const raw = (g: number[]) => Float64Array.from(g);

  void test('predicts linear objectives and violation exactly, and is sure of them', () => {
    const score = (g: number[]): Score => ({
      objectives: [3 * g[0] - 2 * g[1] + 1, g[2]],
      violation: 0.5 * g[1],
    });
    const evaluated: ScoredGenome<number[]>[] = genomes.map((g) => ({ genome: g, ...score(g) }));
    const surrogate = ridgeSurrogate(raw, { lambda: 1e-10, seed: 3 });
    surrogate.fit(evaluated);
    const probe = [
      [1, 2, 3],
      [5, 0, 7],
    ];
    surrogate.predict(probe).forEach((p, i) => {
      const s = score(probe[i]);
      p.objectives.forEach((v, k) => assert.ok(Math.abs(v - s.objectives[k]) < 1e-7, `${v}`));
      assert.ok(Math.abs(p.violation - s.violation) < 1e-7, `${p.violation}`);
      assert.ok(p.spread.every((v) => v < 1e-7));
    });
  });

  void test('predicts no violation below 0, and exactly 0 without constraints', () => {
    const fit = (violation: (g: number[]) => number) => {
      const surrogate = ridgeSurrogate(raw);
      surrogate.fit(
        genomes.map((g) => ({ genome: g, objectives: [g[0]], violation: violation(g) })),
      );
      return surrogate;
    };
    // Violation = g₀ ≥ 0 in the data; the line extrapolates to −3 at g₀ = −3.
    const slanted = fit((g) => g[0]);
    assert.equal(slanted.predict([[-3, 0, 0]])[0].violation, 0);
    assert.ok(slanted.predict([[2, 0, 0]])[0].violation > 1.9);
    const none = fit(() => 0);
    assert.ok(none.predict(genomes).every((p) => p.violation === 0));
  });

  void test('refuses to predict before it is fitted', () => {
    assert.throws(() => ridgeSurrogate(raw).predict([[0, 0, 0]]), /Fit the surrogate first/);
  });
});
