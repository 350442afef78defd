import test, { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { resolveConfig } from '../../../../../server/src/config/resolve';
import { getLanguageService } from '../../../../../server/src/language/languageService';
import { archInSpace, largestArch, smallestArch } from '../../../../../server/src/space/arch';
import { selectBackend } from '../../../../../server/src/engine/backend/selectBackend';
import { Rng } from '#shared/rng';
import { createSampler } from '../../../../../server/src/engine/train/samplers/samplers';
import { samplerSpace } from '../../../../../server/src/engine/train/samplers/samplerSpace';
import type {
  PathFeedback,
  Sampler,
  SampledSubnet,
} from '../../../../../server/src/engine/train/samplers/samplerTypes';
import {
  shiftedLogits,
  softmax,
} from '../../../../../server/src/engine/train/samplers/shiftNasSampler';
import { Trainer } from '../../../../../server/src/engine/train/trainer';
import type { Arch } from '#shared/arch';
import { fakeFeedback, resumeThroughHeader, smallConfig, syntheticGather } from '../fixtures';

const near = (a: readonly number[], b: readonly number[], what: string): void =>
  assert.ok(
    a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) < 1e-12),
    `${what}: ${a.join(', ')} against ${b.join(', ')}`,
  );

/** Feedback for `arch` whose ‖∇‖₂ (the figure ShiftNAS reads) is `norm`. */
const withNorm = (arch: Arch, norm: number): PathFeedback => ({
  ...fakeFeedback(arch),
  totalGradNorm: norm,
});

/** The small space, 4 parts, as `patch` sets the rest. */
const shift = (patch: Parameters<typeof smallConfig>[0] = {}) =>
  smallConfig({
    ...patch,
    sampler: {
      type: 'shiftnas',
      shiftBins: 4,
      shiftEvery: 2,
      shiftRate: 2,
      shiftStart: 0.5,
      ...patch.sampler,
    },
  });

const cfg = shift();
const space = samplerSpace(cfg);
const largest = largestArch(cfg.space, cfg.task);
const smallest = smallestArch(cfg.space, cfg.task);
const partOf = (flops: number): number =>
  Math.min(3, Math.floor(((flops - space.minFlops) / (space.maxFlops - space.minFlops)) * 4));

void describe('shiftnas: the update of the distribution', () => {
  void test('one step of gradient ascent on the logits, by hand', () => {
    // p = ¼ each; parts 0, 2, 3 seen with mean norms 2, 3, 2; part 1 not seen.
    // ḡ = (¼·2 + ¼·3 + ¼·2) / ¾ = 7/3; θ_k += 2 · ¼ · (g_k − 7/3) / (7/3).
    near(
      shiftedLogits([0, 0, 0, 0], [4, 0, 6, 2], [2, 0, 2, 1], 2),
      [-1 / 14, 0, 1 / 7, -1 / 14],
      'logits',
    );
  });

  void test('nothing seen, or only zero norms: the logits stay', () => {
    near(shiftedLogits([0.5, -1], [0, 0], [0, 0], 3), [0.5, -1], 'nothing seen');
    near(shiftedLogits([0.5, -1], [0, 0], [2, 1], 3), [0.5, -1], 'zero norms');
  });

  void test('through the sampler: uniform until shiftStart, then one update per shiftEvery steps', () => {
    const sampler = createSampler(
      shift({ distillation: false, sampler: { subnets: 2 } }),
      new Rng(1),
    );
    const uniform = { flopsBin: [0.25, 0.25, 0.25, 0.25] };
    // Before shiftStart nothing is learned, however often it is told.
    for (let step = 0; step < 5; step++)
      sampler.observe([withNorm(smallest, 100), withNorm(largest, 1)], step / 10);
    assert.deepEqual(sampler.probabilities(), uniform);
    // The smallest is in part 0, the largest in part 3: means 3 and 6 after two steps.
    sampler.observe([withNorm(smallest, 2), withNorm(largest, 4)], 0.5);
    assert.deepEqual(sampler.probabilities(), uniform, 'no update before shiftEvery steps');
    sampler.observe([withNorm(smallest, 4), withNorm(largest, 8)], 0.6);
    // ḡ = (¼·3 + ¼·6) / ½ = 4.5; θ₀ += 2·¼·(3 − 4.5)/4.5 = −1/6, θ₃ += 1/6.
    near(sampler.probabilities().flopsBin, softmax([-1 / 6, 0, 0, 1 / 6]), 'after one update');
  });

  void test('the teacher’s gradient is not counted', () => {
    const sampler = createSampler(shift({ sampler: { subnets: 2 } }), new Rng(1));
    const teacher = withNorm(largest, 1000);
    sampler.observe([teacher, withNorm(smallest, 2)], 0.5);
    sampler.observe([teacher, withNorm(largest, 4)], 0.5);
    // Parts 0 and 3 with means 2 and 4: ḡ = 3, θ₀ −= 1/6, θ₃ += 1/6; the teacher's 1000 nowhere.
    near(sampler.probabilities().flopsBin, softmax([-1 / 6, 0, 0, 1 / 6]), 'after one update');
  });
});

void describe('shiftnas: sampling', () => {
  void test('each subnet comes from a part drawn from the distribution: all of it in a part held at ~1', () => {
    for (const part of [0, 1, 2, 3]) {
      const sampler = createSampler(shift({ sampler: { subnets: 4 } }), new Rng(part));
      const logits = [0, 1, 2, 3].map((k) => (k === part ? 60 : -60));
      sampler.restore({
        type: 'shiftnas',
        logits,
        sums: [0, 0, 0, 0],
        counts: [0, 0, 0, 0],
        steps: 0,
      });
      for (let step = 0; step < 30; step++) {
        const [teacher, ...drawn] = sampler.sample(step / 30);
        assert.deepEqual(teacher.arch, largest, 'the teacher first');
        assert.equal(drawn.length, 3);
        for (const s of drawn) {
          assert.equal(s.role, 'random');
          assert.ok(archInSpace(s.arch, cfg.space, cfg.task));
          assert.equal(partOf(s.flops), part, `${s.flops} FLOPs is in part ${part}`);
        }
      }
    }
  });

  void test('uniform over the parts at first: complexity is covered evenly, where uniform subnets are not', () => {
    const count = (type: 'uniform' | 'shiftnas'): number[] => {
      const sampler = createSampler(
        shift({ distillation: false, sampler: { type, subnets: 1 } }),
        new Rng(3),
      );
      const parts = [0, 0, 0, 0];
      for (let step = 0; step < 800; step++)
        for (const s of sampler.sample(step / 800)) parts[partOf(s.flops)]++;
      return parts;
    };
    const shifted = count('shiftnas');
    assert.ok(
      shifted.every((n) => n > 150 && n < 250),
      `about 200 a part: ${shifted.join(', ')}`,
    );
    // Uniform choices: FLOPs pile up low (an Irwin–Hall-like sum), the top part almost never.
    const uniform = count('uniform');
    assert.ok(uniform[0] > 400 && uniform[3] < 10, `uniform: ${uniform.join(', ')}`);
  });

  void test('keeps each subnet’s own resolution even with resolution: per-step', () => {
    const sampler = createSampler(
      shift({ sampler: { subnets: 4, resolution: 'per-step' } }),
      new Rng(2),
    );
    const mixed = Array.from({ length: 40 }, (_, i) => sampler.sample(i / 40)).filter(
      (step) => new Set(step.slice(1).map((s) => s.arch.resolution)).size > 1,
    );
    assert.ok(mixed.length > 0, 'resolutions differ within a step');
  });
});

void test('shiftnas: a written `resolution: per-step` is a warning that it is not used', () => {
  const text = (sampler: string) =>
    [
      'task: { dataset: fashion-mnist }',
      'space: { stages: [{ depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2] }] }',
      `train: { sampler: ${sampler} }`,
      '',
    ].join('\n');
  const findings = (sampler: string) =>
    getLanguageService({})
      .validate(TextDocument.create('file:///s.supernet.yaml', 'supernet', 1, text(sampler)))
      .map((d) => `${d.severity}:${d.range.start.line}:${d.message}`);
  assert.deepEqual(findings('{ type: shiftnas }'), []);
  assert.deepEqual(findings('{ type: shiftnas, resolution: per-subnet }'), []);
  const [warning, ...rest] = findings('{ type: shiftnas, resolution: per-step }');
  assert.match(warning, /^2:2:ShiftNAS draws each subnet for a complexity/);
  assert.deepEqual(rest, []);
});

void describe('shiftnas: checkpoints', () => {
  void test('a restored sampler continues exactly, mid-window included', () => {
    const config = shift({ sampler: { subnets: 3, shiftEvery: 7, shiftStart: 0.1 } });
    const run = (sampler: Sampler, from: number, steps: number): SampledSubnet[][] => {
      const out: SampledSubnet[][] = [];
      for (let step = from; step < from + steps; step++) {
        const s = sampler.sample(step / 100);
        sampler.observe(
          s.map((x) => withNorm(x.arch, 1 + (x.flops / space.maxFlops) * (step % 5))),
          step / 100,
        );
        out.push(s);
      }
      return out;
    };
    const rng = new Rng(99);
    const sampler = createSampler(config, rng);
    run(sampler, 0, 53);
    const snapshot = JSON.stringify({ sampler: sampler.state(), rng: rng.state() });
    const probabilities = sampler.probabilities();
    assert.ok(
      probabilities.flopsBin.some((p) => Math.abs(p - 0.25) > 1e-3),
      'the distribution has moved',
    );
    const expected = run(sampler, 53, 47);

    const saved = JSON.parse(snapshot) as { sampler: unknown; rng: number[] };
    const resumed = createSampler(config, new Rng(saved.rng));
    resumed.restore(saved.sampler);
    assert.deepEqual(resumed.probabilities(), probabilities);
    assert.deepEqual(run(resumed, 53, 47), expected);
    assert.deepEqual(resumed.state(), sampler.state());
  });

  void test('a state of another shape is refused, naming the field', () => {
    const sampler = createSampler(shift(), new Rng(1));
    const good = sampler.state() as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>, message: RegExp) =>
      assert.throws(() => sampler.restore({ ...good, ...patch }), message);
    bad({ logits: [0, 0, 0] }, /'logits' must be 4 numbers/);
    bad({ logits: [0, 0, 0, NaN] }, /'logits'/);
    bad({ sums: [0, -1, 0, 0] }, /'sums'/);
    bad({ counts: [0, 1.5, 0, 0] }, /'counts'/);
    bad({ steps: 2 }, /'steps' must be a whole number below shiftEvery/);
    bad({ type: 'pada' }, /'pada', not 'shiftnas'/);
    const other = createSampler(shift({ sampler: { shiftBins: 5 } }), new Rng(1));
    assert.throws(() => other.restore(good), /'logits' must be 5 numbers/);
  });
});

void describe('shiftnas: real steps', () => {
  before(async () => {
    await selectBackend('wasm');
  });
  const IMAGES = 24;
  const TOTAL = 12;
  const config = shift({ batchSize: 4, sampler: { subnets: 3, shiftEvery: 3, shiftStart: 0 } });
  const gather = syntheticGather(IMAGES);
  const train = (t: Trainer, from: number, to: number): number[][] => {
    const out: number[][] = [];
    for (let step = from; step < to; step++)
      out.push(
        t.step({ step, totalSteps: TOTAL, stepsPerEpoch: 6, lr: 0.05 }, gather, t.runner).outcome
          .losses,
      );
    return out;
  };

  void test('the trainer measures the gradients it learns from; a stopped run resumes bit for bit', () => {
    const whole = new Trainer(config, IMAGES);
    const stopped = new Trainer(config, IMAGES);
    const resumed = new Trainer(config, IMAGES);
    try {
      assert.ok(whole.measuresGradients, 'gradient norms are measured');
      assert.ok(!whole.measuresErrors && !whole.weightsLoss, 'the batches stay plain');
      const losses = train(whole, 0, TOTAL);
      const p = whole.sampler.probabilities().flopsBin;
      assert.ok(
        p.some((x) => Math.abs(x - 0.25) > 1e-6),
        `the distribution moved: ${p.join(', ')}`,
      );
      // Stopped mid-window (4 = one update and one step of the next window).
      assert.deepEqual(train(stopped, 0, 4), losses.slice(0, 4));
      resumeThroughHeader(stopped, resumed, { runId: 'shiftnas', step: 4, totalSteps: TOTAL });
      assert.deepEqual(train(resumed, 4, TOTAL), losses.slice(4));
      assert.deepEqual(resumed.sampler.state(), whole.sampler.state());
      assert.deepEqual(
        resumed.tensorRecords().map((r) => r.data),
        whole.tensorRecords().map((r) => r.data),
      );
    } finally {
      whole.dispose();
      stopped.dispose();
      resumed.dispose();
    }
  });
});

void describe('the defaults are unchanged', () => {
  // The fixture's space with every training setting at its default.
  const DEFAULT = `
task: { dataset: fashion-mnist, input: [28, 28, 1], classes: 10 }
space:
  resolution: [20, 24, 28]
  stem: { width: 8, kernel: 3, stride: 1 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3, 5, 7], expand: [3, 4, 6], stride: 2 }
    - { depth: [1, 2, 3], width: [16, 24], kernel: [3, 5, 7], expand: [3, 4, 6], stride: 2 }
  head: { width: 32 }
`;

  void test('the default sampler is complexity-aware and draws exactly what it drew before', () => {
    const { config } = resolveConfig(DEFAULT);
    assert.equal(config.train.sampler.type, 'complexity-aware');
    assert.equal(config.train.deps, undefined);
    const sampler = createSampler(config, new Rng(7));
    const draws: string[] = [];
    for (let i = 0; i < 300; i++)
      draws.push(
        sampler
          .sample(i / 300)
          .map((s) => JSON.stringify(s.arch))
          .join('|'),
      );
    // sha256 of the same 300 steps drawn by the engine before ShiftNAS and DεpS (624b6da).
    const hash = createHash('sha256').update(draws.join('\n')).digest('hex').slice(0, 16);
    assert.equal(hash, '420e8eb28af7f4a8');
  });
});
