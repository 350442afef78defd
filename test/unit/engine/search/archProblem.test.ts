import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { archInSpace } from '../../../../server/src/space/arch';
import { archKey, type Arch } from '#shared/arch';
import { Rng } from '#shared/rng';
import { spaceDecisions } from '../../../../server/src/space/decisions';
import { randomArch } from '../../../../server/src/space/randomArch';
import { archProblem } from '../../../../server/src/engine/search/archProblem';
import { nsga2 } from '../../../../server/src/engine/search/nsga2';
import { randomSearch } from '../../../../server/src/engine/search/randomSearch';
import type { Score } from '../../../../server/src/engine/search/dominance';

function configOf(space: string) {
  const r = resolveConfig(
    `task: { dataset: fashion-mnist, input: [28, 28, 1], classes: 10 }\n${space}`,
  );
  assert.deepEqual(
    r.problems.filter((p) => p.severity === 'error'),
    [],
  );
  return r.config;
}

/** Two stages of up to 2 and 3 blocks: 15 genes. */
const SMALL = configOf(`
space:
  resolution: [20, 24, 28]
  stem: { width: 8, kernel: 3, stride: 1 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3, 5, 7], expand: [3, 4, 6], stride: 2 }
    - { depth: [1, 2, 3], width: [16, 24], kernel: [3, 5, 7], expand: [3, 4, 6], stride: 2 }
  head: { width: 32 }
`);

/**
 * 16 genomes but 12 subnets: 2 resolutions × (depth 1: 2 kernels, depth 2: 2·2 kernels).
 * Genomes with depth 1 differ in the inactive kernel of block 2 without being different subnets.
 */
const TINY = configOf(`
space:
  resolution: [24, 28]
  stem: { width: 8, kernel: 3, stride: 1 }
  stages:
    - { depth: [1, 2], width: [8], kernel: [3, 5], expand: [3], stride: 2 }
  head: { width: 32 }
`);
const TINY_SUBNETS = 12;

/** Accuracy grows with size, FLOPs too: a stand-in for a trained supernet. */
const fakeScores = (archs: Arch[]): Promise<Score[]> =>
  Promise.resolve(
    archs.map((a) => {
      const size =
        a.resolution *
        a.stages.reduce(
          (s, st) => s + st.width * st.blocks.reduce((t, b) => t + b.kernel * b.expand, 0),
          0,
        );
      return { objectives: [-Math.log(size), size], violation: 0 };
    }),
  );

void describe('arch genomes', () => {
  const dec = spaceDecisions(SMALL.space, SMALL.task);
  const problem = archProblem(dec, fakeScores);
  const gene = (name: string) => dec.all.findIndex((d) => d.name === name);

  void test('have one gene per decision, each a choice index', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 50; i++) {
      const g = problem.random(rng);
      assert.equal(g.length, dec.all.length);
      g.forEach((v, k) => assert.ok(v >= 0 && v < dec.all[k].choices.length));
    }
  });

  void test('decode to subnets of the space whose blocks follow the depth genes', () => {
    const g = new Array<number>(dec.all.length).fill(0);
    g[gene('stage1.depth')] = 1; // depth 2
    g[gene('stage2.depth')] = 0; // depth 1
    g[gene('stage2.block3.kernel')] = 2; // inactive
    g[gene('stage1.block2.kernel')] = 2; // active: 7
    const arch = problem.decode(g);
    assert.deepEqual(
      arch.stages.map((s) => s.blocks.length),
      [2, 1],
    );
    assert.equal(arch.stages[0].blocks[1].kernel, 7);
    assert.ok(archInSpace(arch, SMALL.space, SMALL.task));
    const rng = new Rng(2);
    for (let i = 0; i < 100; i++) {
      const a = problem.decode(problem.random(rng));
      assert.ok(archInSpace(a, SMALL.space, SMALL.task));
      a.stages.forEach((s) => assert.equal(s.blocks.length, s.depth));
    }
  });

  void test('key inactive genes out: the key is the archKey of the decoded subnet', () => {
    const g = new Array<number>(dec.all.length).fill(0); // depths 1 and 1
    const h = [...g];
    h[gene('stage1.block2.kernel')] = 2;
    h[gene('stage2.block3.expand')] = 1;
    assert.notDeepEqual(g, h);
    assert.equal(problem.key(g), problem.key(h));
    assert.equal(problem.key(g), archKey(problem.decode(g)));
    // With the depth raised the same gene is active and tells them apart.
    g[gene('stage1.depth')] = 1;
    h[gene('stage1.depth')] = 1;
    assert.notEqual(problem.key(g), problem.key(h));
  });

  void test('encode is the inverse of decode on subnets', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 50; i++) {
      const arch = randomArch(SMALL.space, SMALL.task, rng);
      assert.deepEqual(problem.decode(problem.encode(arch)), arch);
    }
    const bad = { ...randomArch(SMALL.space, SMALL.task, rng), resolution: 27 };
    assert.throws(() => problem.encode(bad), /resolution = 27/);
  });

  void test('crossover takes each gene from a parent; mutation resamples within the choices', () => {
    const rng = new Rng(4);
    const a = problem.random(rng);
    const b = problem.random(rng);
    const [c, d] = problem.crossover(a, b, rng);
    c.forEach((v, i) => {
      assert.ok((v === a[i] && d[i] === b[i]) || (v === b[i] && d[i] === a[i]));
    });
    assert.deepEqual(problem.mutate(a, rng, 0), a);
    const m = problem.mutate(a, rng, 1);
    m.forEach((v, k) => assert.ok(v >= 0 && v < dec.all[k].choices.length));
  });

  void test('evaluate hands the decoded subnets over and keeps the genomes', async () => {
    const seen: Arch[] = [];
    const p = archProblem(dec, (archs) => {
      seen.push(...archs);
      return fakeScores(archs);
    });
    const genomes = [p.random(new Rng(5)), p.random(new Rng(6))];
    const out = await p.evaluate(genomes);
    assert.deepEqual(seen, genomes.map(p.decode));
    assert.deepEqual(
      out.map((e) => e.genome),
      genomes,
    );
  });
});

void describe('searching subnets', () => {
  const dec = spaceDecisions(TINY.space, TINY.task);

  const recording = () => {
    const keys: string[] = [];
    const problem = archProblem(dec, (archs) => {
      keys.push(...archs.map(archKey));
      return fakeScores(archs);
    });
    return { problem, keys };
  };

  void test('NSGA-II evaluates no subnet twice: duplicates go by archKey', async () => {
    const { problem, keys } = recording();
    const result = await nsga2(problem, { population: 6, generations: 15, seed: 1 });
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(keys.length <= TINY_SUBNETS);
    assert.ok(result.front.length > 0);
  });

  void test('keyed by raw genes instead, the same run would evaluate subnets twice', async () => {
    const { problem, keys } = recording();
    await nsga2(
      { ...problem, key: (g) => g.join(',') },
      { population: 6, generations: 15, seed: 1 },
    );
    assert.ok(new Set(keys).size < keys.length);
  });

  void test('random search evaluates no subnet twice and ends with the space', async () => {
    const { problem, keys } = recording();
    const result = await randomSearch(problem, { population: 5, generations: 20, seed: 2 });
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(keys.length, TINY_SUBNETS);
    assert.equal(result.stopReason, 'exhausted');
  });

  void test('the same seed gives the same search', async () => {
    const dec2 = spaceDecisions(SMALL.space, SMALL.task);
    const run = async () => {
      const keys: string[] = [];
      const problem = archProblem(dec2, (archs) => {
        keys.push(...archs.map(archKey));
        return fakeScores(archs);
      });
      const r = await nsga2(problem, { population: 10, generations: 8, seed: 9 });
      return { keys, front: r.front.map((e) => problem.key(e.genome)) };
    };
    assert.deepEqual(await run(), await run());
  });
});
