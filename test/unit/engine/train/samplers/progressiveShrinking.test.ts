import test from 'node:test';
import assert from 'node:assert/strict';
import type { Arch } from '#shared/arch';
import { largestArch, smallestArch } from '../../../../../server/src/space/arch';
import { Rng } from '#shared/rng';
import { createSampler } from '../../../../../server/src/engine/train/samplers/samplers';
import { getLanguageService } from '../../../../../server/src/language/languageService';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { smallConfig } from '../fixtures';

const config = smallConfig({
  sampler: { type: 'sandwich', subnets: 4 },
  progressiveShrinking: [0.1, 0.3, 0.5],
});
const { space, task } = config;
const largest = largestArch(space, task);
const smallest = smallestArch(space, task);

/** Every value of a subnet along one kind of decision. */
const along = (a: Arch, kind: 'resolution' | 'depth' | 'width' | 'kernel' | 'expand') =>
  kind === 'resolution'
    ? [a.resolution]
    : a.stages.flatMap((s) =>
        kind === 'depth' ? [s.depth] : kind === 'width' ? [s.width] : s.blocks.map((b) => b[kind]),
      );

void test('progressive shrinking opens kernel, then depth, then width and expand (OFA order)', () => {
  const sampler = createSampler(config, new Rng(4));
  assert.deepEqual(
    sampler.sample(0.05).map((s) => s.arch),
    [largest],
    'the largest alone first',
  );
  const seen = (progress: number, kind: Parameters<typeof along>[1]) => {
    // Distinct settings of that kind (per stage or block, in order) over many steps.
    const values = new Set<string>();
    for (let i = 0; i < 60; i++)
      for (const s of sampler.sample(progress)) values.add(JSON.stringify(along(s.arch, kind)));
    return values.size;
  };
  // Phase 2: resolution and kernel vary, nothing else.
  assert.ok(seen(0.2, 'kernel') > 1 && seen(0.2, 'resolution') > 1);
  for (const k of ['depth', 'width', 'expand'] as const) assert.equal(seen(0.2, k), 1, k);
  const phase2 = sampler.sample(0.2);
  assert.deepEqual(phase2[0].arch, largest);
  assert.equal(
    phase2[1].arch.resolution,
    smallest.resolution,
    'the smallest along the open dimensions',
  );
  assert.deepEqual(along(phase2[1].arch, 'depth'), along(largest, 'depth'));
  // Phase 3: depth too; phase 4: everything, the smallest subnet is the space's.
  assert.ok(seen(0.4, 'depth') > 1);
  assert.equal(seen(0.4, 'width'), 1);
  assert.ok(seen(0.6, 'width') > 1 && seen(0.6, 'expand') > 1);
  assert.deepEqual(sampler.sample(0.6)[1].arch, smallest);
});

void test('phases written out of order are a located error', () => {
  const text = [
    'task: { dataset: fashion-mnist }',
    'space: { stages: [{ depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2] }] }',
    'train:',
    '  progressiveShrinking: [0.5, 0.3, 0.6]',
    '',
  ].join('\n');
  const doc = TextDocument.create('file:///p.supernet.yaml', 'supernet', 1, text);
  const d = getLanguageService({})
    .validate(doc)
    .find((x) => /goes back/.test(x.message));
  assert.ok(d, 'reported');
  assert.equal(d.range.start.line, 3);
});
