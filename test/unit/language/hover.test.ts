import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Hover, MarkupContent } from 'vscode-languageserver-types';
import { resolveConfig } from '../../../server/src/config/resolve';
import { formatCount } from '#shared/format/numbers';
import { spaceFacts } from '../../../server/src/space/facts';
import { doc, service, SMALL, span } from './support';

const TEXT =
  SMALL +
  'train:\n  batchSize: 32\n  optimizer: { type: adam }\nsearch:\n  constraints: ["macs <= 20k"]\n';
// line 10: `  batchSize: 32`; line 11: `  optimizer: { type: adam }` (adam at 21–25); line 13: constraint at 16–31

function hoverAt(text: string, line: number, character: number): Hover | null {
  return service().hover(doc(text), { line, character });
}

function markdown(h: Hover | null): string {
  assert.ok(h, 'expected a hover');
  const c = h.contents as MarkupContent;
  assert.equal(c.kind, 'markdown');
  return c.value;
}

void describe('hover', () => {
  void test('a field shows its documentation, type, bounds and default, over the key', () => {
    const h = hoverAt(TEXT, 10, 5);
    assert.equal(
      markdown(h),
      '**`train.batchSize`** — *an integer* · ≥ 1 · ≤ 65536 · default `64`\n\nImages per step.',
    );
    assert.deepEqual(span(h!.range!), [10, 2, 10, 11]);
  });

  void test('the same documentation over the value', () => {
    const h = hoverAt(TEXT, 10, 14);
    assert.match(markdown(h), /Images per step\./);
    assert.deepEqual(span(h!.range!), [10, 13, 10, 15]);
  });

  void test('an enum value shows the doc of that value', () => {
    const h = hoverAt(TEXT, 11, 23);
    const md = markdown(h);
    assert.match(
      md,
      /^\*\*`train\.optimizer\.type`\*\* — \*one of 'sgd', 'adam'\* · default `"sgd"`/,
    );
    assert.match(md, /\n\n`adam`: Adam \(Kingma & Ba\) with bias correction\.$/);
    assert.deepEqual(span(h!.range!), [11, 21, 11, 25]);
  });

  void test('the pada sampler and its option show their documentation', () => {
    const text = SMALL + 'train:\n  sampler: { type: pada, padaReweight: true }\n';
    // line 10: `  sampler: { type: pada, padaReweight: true }`: pada at 19–23, the option at 25–37
    assert.match(
      markdown(hoverAt(text, 10, 20)),
      /\n\n`pada`: PA&DA as published \(Lu et al\., CVPR 2023\)/,
    );
    assert.match(
      markdown(hoverAt(text, 10, 30)),
      /^\*\*`train\.sampler\.padaReweight`\*\* — \*true or false\* · default `false`\n\npada: weight each image’s loss by 1\/\(N·p\)/,
    );
  });

  void test('`space` shows the computed facts: subnets, FLOPs and parameters of the smallest and largest subnet', () => {
    const md = markdown(hoverAt(TEXT, 3, 2));
    // hand-computed in space/facts.test.ts: 80 subnets, FLOPs 7432–56736, params 666–3410
    assert.match(md, /\*\*Search space:\*\* 80 subnets\n/);
    assert.match(md, /\| MACs \| 7\.43k \| 56\.7k \|/);
    assert.match(md, /\| Parameters \| 666 \| 3\.41k \|/);
    assert.match(
      md,
      /Supernet weights: 3\.41k · training step ≈ 2\.1 MiB \(batch 32, largest subnet\)/,
    );
    // and the same numbers as spaceFacts gives
    const f = spaceFacts(resolveConfig(TEXT).config);
    assert.equal(f.subnets, 80n);
    assert.deepEqual(f.flops, [7432, 56736]);
    assert.ok(md.includes(`| MACs | ${formatCount(f.flops[0])} | ${formatCount(f.flops[1])} |`));
    assert.ok(
      md.includes(`| Parameters | ${formatCount(f.params[0])} | ${formatCount(f.params[1])} |`),
    );
  });

  void test('`stages` shows the same facts; a stage shows its own', () => {
    const stages = markdown(hoverAt(TEXT, 6, 4));
    assert.match(stages, /^\*\*`space\.stages`\*\* — \*a list\*/);
    assert.match(stages, /\*\*Search space:\*\* 80 subnets/);
    assert.match(stages, /\| MACs \| 7\.43k \| 56\.7k \|/);
    // on `depth` of stage 1: 2 widths × (4 + 4²) = 40 settings; output 6→3 or 8→4 px
    const stage = markdown(hoverAt(TEXT, 7, 10));
    assert.match(stage, /^\*\*`space\.stages\.0\.depth`\*\*/);
    assert.match(stage, /\*\*Stage 1:\*\* 40 settings · output 3–4 px/);
    // stage FLOPs: smallest 2304 + 648 + 576 = 3528, largest 8192 + 6400 + 4096 + 8192 + 12800 + 8192 = 47872
    assert.match(stage, /MACs 3\.53k – 47\.9k/);
  });

  void test('a space with errors shows no facts', () => {
    const md = markdown(hoverAt(TEXT.replace('kernel: [3, 5]', 'kernel: [3, 4]'), 3, 2));
    assert.match(md, /Facts appear when the space has no errors/);
    assert.doesNotMatch(md, /Search space:|MACs/);
  });

  void test('a FLOPs constraint shows the feasible range', () => {
    assert.match(
      markdown(hoverAt(TEXT, 13, 20)),
      /Feasible MACs: 7\.43k – 56\.7k \(smallest to largest subnet\)\./,
    );
  });

  void test('nothing to show on a comment line or past the end', () => {
    assert.equal(hoverAt('# a comment\n' + SMALL, 0, 3), null);
    assert.equal(hoverAt(SMALL + '\n\n', 11, 0), null);
  });
});
